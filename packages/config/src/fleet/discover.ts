// Which resource files a repository's own syncs read, when no one says. Real
// Komodo repositories keep them anywhere (`komodo/`, `resources/`, one file
// at the root): the `[[resource_sync]]` declarations, in any TOML file, say
// where. Every sync that points at this repository is read (its
// `resource_path` files and folders); TOML files holding resources that none
// of them reads are reported. With no `[[resource_sync]]` at all, every TOML
// file holding resources is read.
import type { FileAnalyses } from "../analysis/file-analyses.js";
import type { Diagnostics } from "../diagnostics.js";
import { type RepoConfig, RepoConfig as RepoConfigSchema } from "../resources/repo.js";
import { normalizeRepoPath, type RepoSource } from "../source/repo-source.js";
import type { SelfRepository } from "./self-repo.js";
import { SETTINGS_FILE } from "./settings.js";

export const DEFAULT_RESOURCE_PATH = "syncs";

interface DeclaredSync {
  file: string;
  paths: string[];
  repo: string;
  linkedRepo: string;
  fields: { repo: string; git_provider: string; git_https: boolean; branch: string };
}

function asString(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

export interface Discovered {
  paths: string[];
}

/** A sync's resource paths; none written means `syncs`. */
export function syncPaths(paths: readonly string[]): readonly string[] {
  return paths.length > 0 ? paths : [DEFAULT_RESOURCE_PATH];
}

/** Paths under one of `paths` (a file itself, or inside a folder). */
export function covers(paths: readonly string[], file: string): boolean {
  return paths.some((path) => path === "" || file === path || file.startsWith(`${path}/`));
}

export async function discoverResourcePaths(
  source: RepoSource,
  analyses: FileAnalyses,
  selfRepo: SelfRepository,
  diagnostics: Diagnostics,
): Promise<Discovered> {
  const files = [...(await source.files("")).keys()]
    .filter((file) => file.endsWith(".toml") && file !== SETTINGS_FILE)
    .sort();
  const analysed = new Map(
    await Promise.all(files.map(async (file) => [file, (await analyses.resourceFile(file)).value] as const)),
  );
  const holding = files.filter((file) => (analysed.get(file)?.kinds.size ?? 0) > 0);
  const syncs: DeclaredSync[] = [];
  const repos = new Map<string, RepoConfig>();
  for (const file of holding) {
    const { kinds, toml } = analysed.get(file) ?? {};
    if (!kinds?.has("resource_sync") && !kinds?.has("repo")) continue;
    if (!toml) continue; // reported when the file is read
    const value = toml.value;
    for (const repo of Array.isArray(value.repo) ? value.repo : []) {
      const config = RepoConfigSchema.safeParse((repo as { config?: unknown }).config ?? {});
      const name = asString((repo as { name?: unknown }).name);
      if (config.success && name) repos.set(name, config.data);
    }
    for (const sync of Array.isArray(value.resource_sync) ? value.resource_sync : []) {
      const config = ((sync as { config?: unknown }).config ?? {}) as Record<string, unknown>;
      const raw = config.resource_path;
      const list = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw.map(String) : [];
      syncs.push({
        file,
        paths: list.map((p) => normalizeRepoPath(p)).filter((p): p is string => p !== undefined),
        repo: asString(config.repo),
        linkedRepo: asString(config.linked_repo),
        fields: {
          repo: asString(config.repo),
          git_provider: asString(config.git_provider, "github.com"),
          git_https: config.git_https !== false,
          branch: asString(config.branch, "main"),
        },
      });
    }
  }
  if (syncs.length === 0) return { paths: holding.length > 0 ? holding : [DEFAULT_RESOURCE_PATH] };

  // A sync points here unless it names a repository known to be another one.
  const here = syncs.filter((sync) => selfRepo.couldBe(sync.repo ? sync.fields : repos.get(sync.linkedRepo)));
  const paths: string[] = [];
  for (const sync of here) {
    for (const path of syncPaths(sync.paths)) {
      if (!paths.includes(path) && (await source.entry(path))) paths.push(path);
    }
  }
  if (paths.length === 0) return { paths: [DEFAULT_RESOURCE_PATH] };
  for (const file of holding) {
    if (covers(paths, file)) continue;
    diagnostics.warning(
      "W_UNREAD_RESOURCES",
      `${file} holds Komodo resources, but no [[resource_sync]] of this repository reads it (they read ${paths.join(", ")}); not applied`,
      { file, line: 1, column: 1 },
    );
  }
  return { paths: paths.sort() };
}
