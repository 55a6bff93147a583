// What a repository's own syncs apply of the files they read, as in Komodo:
// `include_resources` (servers, stacks, …), `include_variables` and
// `include_user_groups` (off by default: Komodo keeps those in its
// database), and `match_tags` (only resources carrying every one of them).
// A resource is applied when some sync reading its file accepts it; one
// warning per sync says what was left out.
import type { Diagnostics } from "../diagnostics.js";
import type { ReadResource } from "../resources/read-resources.js";
import type { ResourceSyncConfig } from "../resources/resource-sync.js";
import { covers } from "./discover.js";

interface SelfSync {
  name: string;
  config: ResourceSyncConfig;
  /** The paths it reads (`syncs` when it names none). */
  paths: readonly string[];
}

function accepts(sync: SelfSync, resource: ReadResource): boolean {
  if (resource.kind === "resource_sync") return true;
  if (resource.kind === "variable") return sync.config.include_variables;
  if (resource.kind === "user_group") return sync.config.include_user_groups;
  if (!sync.config.include_resources) return false;
  const tags = (resource.value as { tags?: string[] }).tags ?? [];
  return sync.config.match_tags.every((tag) => tags.includes(tag));
}

const REASONS: Record<string, string> = {
  variable: "include_variables = false",
  user_group: "include_user_groups = false",
};

export function applySyncFilters(
  byKind: Map<string, ReadResource[]>,
  syncs: readonly SelfSync[],
  diagnostics: Diagnostics,
): void {
  if (syncs.length === 0) return;
  const left = new Map<string, { sync: SelfSync; kind: string; count: number; at: ReadResource["at"] }>();
  for (const [kind, resources] of byKind) {
    byKind.set(
      kind,
      resources.filter((resource) => {
        const readers = syncs.filter((sync) => covers(sync.paths, resource.at.file));
        if (readers.length === 0 || readers.some((sync) => accepts(sync, resource))) return true;
        const sync = readers[0] as SelfSync;
        const key = `${sync.name}\u0000${kind}`;
        const seen = left.get(key) ?? { sync, kind, count: 0, at: resource.at };
        seen.count += 1;
        left.set(key, seen);
        return false;
      }),
    );
  }
  for (const { sync, kind, count, at } of left.values()) {
    const reason =
      REASONS[kind] ??
      (sync.config.include_resources
        ? `match_tags = [${sync.config.match_tags.join(", ")}]`
        : "include_resources = false");
    diagnostics.warning(
      "W_NOT_INCLUDED",
      `${count} [[${kind}]] ${count === 1 ? "entry is" : "entries are"} not applied: sync "${sync.name}" has ${reason}${kind === "variable" ? "; set include_variables = true to apply them" : ""}`,
      at,
    );
  }
}
