// Services that bind-mount a single file which changed between two commits.
// A checkout replaces such a file with a new inode, and the running container
// keeps seeing the old one: these services must be recreated, even though
// their compose configuration is the same. (Folders are live: no recreate.)
import { readFile, stat } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { load } from "js-yaml";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function bindSources(definition: Record<string, unknown>): string[] {
  const volumes = Array.isArray(definition.volumes) ? definition.volumes : [];
  return volumes.flatMap((volume) => {
    if (typeof volume === "string") {
      const source = volume.split(":")[0] ?? "";
      return source.startsWith(".") ? [source] : [];
    }
    return isObject(volume) &&
      volume.type === "bind" &&
      typeof volume.source === "string" &&
      volume.source.startsWith(".")
      ? [volume.source]
      : [];
  });
}

/**
 * @param worktree the checkout root
 * @param files absolute compose file paths
 * @param changed repository-relative paths that differ between the deployed and the new commit
 */
export async function servicesMountingChanged(
  worktree: string,
  files: readonly string[],
  changed: ReadonlySet<string>,
): Promise<string[]> {
  if (changed.size === 0) return [];
  const services = new Set<string>();
  const projectDir = dirname(files[0] ?? worktree);
  for (const file of files) {
    let doc: unknown;
    try {
      doc = load(await readFile(file, "utf8"));
    } catch {
      continue;
    }
    if (!isObject(doc) || !isObject(doc.services)) continue;
    for (const [name, definition] of Object.entries(doc.services)) {
      if (!isObject(definition)) continue;
      for (const source of bindSources(definition)) {
        const absolute = resolve(projectDir, source);
        const repoPath = relative(worktree, absolute);
        if (!changed.has(repoPath)) continue;
        const info = await stat(absolute).catch(() => undefined);
        if (info?.isFile()) services.add(name);
      }
    }
  }
  return [...services];
}
