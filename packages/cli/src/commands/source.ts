// Opens the repositories a command reads: a working tree, or a commit with
// --commit, and the checkouts of other repositories given with --repo.
import { stat } from "node:fs/promises";
import {
  GitCommitSource,
  type LoadFleetOptions,
  type RepoSource,
  type RepositoryRef,
  repositoryIdentity,
  WorkingTreeSource,
} from "@tugboat/config";
import { git } from "@tugboat/git";
import { UsageError } from "../usage-error.js";

export async function openSource(dir: string, commit: string | undefined): Promise<RepoSource> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  if (!commit) return WorkingTreeSource.open(dir);
  try {
    return await GitCommitSource.open({ repository: dir, revision: commit });
  } catch (error) {
    throw new UsageError(`cannot read commit "${commit}" in ${dir}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/**
 * What identifies the checkout offline: its remotes' URLs, and the branch
 * checked out (none for `--commit` or a detached HEAD). Stacks naming this
 * repository by `repo` or a [[repo]] read their files from it.
 */
export async function checkoutIdentity(
  dir: string,
  commit: string | undefined,
): Promise<{ selfRepositories: string[]; selfBranch?: string }> {
  const run = (args: string[]) =>
    git(["-C", dir, ...args], { timeoutMs: 10_000 }).then(
      (result) => result.stdout,
      () => "",
    );
  const remotes = await run(["remote", "-v"]);
  const selfRepositories = [
    ...new Set(
      remotes
        .split("\n")
        .map((line) => line.split(/\s+/)[1])
        .filter((url): url is string => Boolean(url)),
    ),
  ];
  const branch = commit ? "" : (await run(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
  return { selfRepositories, ...(branch ? { selfBranch: branch } : {}) };
}

/** What validate and plan share: which repository this is, what to read, and the --repo checkouts. */
export interface FleetReadOptions {
  resources?: string[];
  commit?: string;
  server?: string[];
  repo?: string[];
}

/** The loadFleet options of a command, and the --repo names no stack used (for a note). */
export async function fleetOptions(
  dir: string,
  options: FleetReadOptions,
): Promise<{ load: LoadFleetOptions; unusedRepos: () => string[] }> {
  const checkouts = await otherCheckouts(options.repo ?? []);
  return {
    load: {
      ...(await checkoutIdentity(dir, options.commit)),
      ...(options.resources ? { resourcePaths: options.resources } : {}),
      ...(options.server ? { externalServers: options.server } : {}),
      ...(checkouts.length > 0
        ? {
            repositories: async (ref: RepositoryRef) => {
              const checkout = checkouts.find((c) => namesRepository(c.name, ref));
              if (!checkout) return undefined;
              checkout.used = true;
              return WorkingTreeSource.open(checkout.path);
            },
          }
        : {}),
    },
    unusedRepos: () => checkouts.filter((c) => !c.used).map((c) => c.name),
  };
}

/** A --repo that named no repository a stack reads is most likely a typo. */
export function noteUnusedRepos(names: readonly string[]): void {
  for (const name of names) process.stderr.write(`note: --repo ${name}: no stack reads that repository\n`);
}

/** `--repo NAME=PATH`, each a folder. */
async function otherCheckouts(specs: readonly string[]) {
  const checkouts: Array<{ name: string; path: string; used: boolean }> = [];
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = spec.slice(0, eq);
    const path = spec.slice(eq + 1);
    if (eq <= 0 || path === "") throw new UsageError(`--repo ${spec}: expected NAME=PATH`);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) throw new UsageError(`--repo ${spec}: ${path} is not a folder`);
    checkouts.push({ name, path, used: false });
  }
  return checkouts;
}

/** NAME is the [[repo]]'s name, the repository's address, or its `owner/name`. */
function namesRepository(name: string, ref: RepositoryRef): boolean {
  if (name === ref.name) return true;
  const identity = repositoryIdentity(ref.url);
  if (identity === undefined) return false;
  return identity === repositoryIdentity(name) || identity.endsWith(`/${name.toLowerCase().replace(/\.git$/, "")}`);
}
