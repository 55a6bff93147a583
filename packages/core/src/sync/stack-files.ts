// A stack's Compose files as of the commit it was deployed from (or the
// sync's applied commit), read from core's mirror of the repository.
import { GitCommitSource } from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { StackStore } from "../deploy/stack-store.js";
import type { RepoMirrors } from "./repo-mirror.js";
import type { SyncStore } from "./sync-store.js";

interface StackSpec {
  composeFiles?: string[];
  source?: { kind: string };
}

export async function readStackFiles(
  deps: { stacks: StackStore; syncs: SyncStore; mirrors: RepoMirrors },
  name: string,
): Promise<{ commit: string | null; files: Array<{ path: string; text: string }> }> {
  const stack = await deps.stacks.get(name);
  if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${name}"`);
  const sync = await deps.syncs.get(stack.sync);
  const spec = stack.spec as StackSpec;
  const commit = spec.source?.kind === "sync" ? (stack.deployedCommit ?? sync?.appliedCommit ?? null) : null;
  if (!sync || !commit) return { commit: null, files: [] };
  const mirror = await deps.mirrors.fetch(sync.repoUrl, sync.branch, commit);
  const source = await GitCommitSource.open({ repository: mirror, revision: commit });
  try {
    const files = [];
    for (const path of spec.composeFiles ?? []) {
      files.push({ path, text: await source.readText(path).catch(() => "(not in this commit)") });
    }
    return { commit, files };
  } finally {
    await source.close();
  }
}
