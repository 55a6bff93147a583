// Reads, validates and resolves a fleet repository from a RepoSource. Every
// problem is collected as a diagnostic; nothing is thrown for bad input.
import { type Analysed, type AnalysisCache, thawedCopy } from "../analysis/analysis-cache.js";
import { FileAnalyses } from "../analysis/file-analyses.js";
import { type Diagnostic, Diagnostics } from "../diagnostics.js";
import type { AlerterResource } from "../resources/alerter.js";
import { type ReadResource, type ResourceFileAnalysis, readResources } from "../resources/read-resources.js";
import { type RepoResource, repositoryUrl } from "../resources/repo.js";
import type { ResourceSyncResource } from "../resources/resource-sync.js";
import type { ServerResource } from "../resources/server.js";
import type { StackResource } from "../resources/stack.js";
import type { UserGroupResource } from "../resources/user-group.js";
import type { VariableResource } from "../resources/variable.js";
import { normalizeRepoPath, type RepoSource } from "../source/repo-source.js";
import { checkCrossReferences } from "./cross-references.js";
import { covers, DEFAULT_RESOURCE_PATH, discoverResourcePaths, syncPaths } from "./discover.js";
import type { Variable } from "./environment.js";
import { interpolateFields } from "./interpolate-fields.js";
import type { Declared, Fleet } from "./model.js";
import { type OpenRepository, OtherRepositories } from "./other-repos.js";
import { checkRemotes } from "./remotes.js";
import { SelfRepository } from "./self-repo.js";
import { readSettings, SETTINGS_FILE } from "./settings.js";
import { resolveStacks } from "./stacks.js";
import { resolveSwarms } from "./swarms.js";
import { applySyncFilters } from "./sync-filters.js";

export interface LoadFleetOptions {
  /** Resource files or folders to read; by default the repository's own resource_sync's, else `syncs`. */
  resourcePaths?: readonly string[];
  /** Secret values held outside the repository (by core), by variable name. */
  secrets?: Readonly<Record<string, string>>;
  /** Plain variables held outside the repository (by core): for names no [[variable]] here declares. */
  variables?: Readonly<Record<string, string>>;
  /**
   * Servers core knows from other syncs (name → enabled): stacks here may
   * target them. Offline (not given), tugboat.toml's [servers] external and
   * `externalServers` stand for them.
   */
  knownServers?: ReadonlyMap<string, boolean>;
  /** Servers another repository declares (`tug validate --server NAME`): known and enabled, offline. */
  externalServers?: readonly string[];
  /**
   * Addresses of this repository (core: the sync's URL; offline: the
   * checkout's remotes). Stacks naming it by `repo` or through a [[repo]]
   * read their files here.
   */
  selfRepositories?: readonly string[];
  /** The branch being read, when known: a stack naming this repository on another branch is external. */
  selfBranch?: string;
  /** Every hardening lint on, whatever tugboat.toml says (`tug validate --lint`). */
  lint?: boolean;
  /**
   * Opens the other repositories stacks read their files from (core: fetched
   * at their head or at the commit last applied; offline: `--repo`
   * checkouts). Not given: those stacks' files are not read, and a warning says so.
   */
  repositories?: OpenRepository;
  /**
   * Analyses of files kept from earlier loads (core keeps one for its
   * lifetime): files whose blob was analysed before are not read again.
   */
  cache?: AnalysisCache;
}

export interface LoadFleetResult {
  fleet: Fleet;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Findings of the lints that are off, by lint name: for a one-line summary. */
  suppressedLints: Record<string, number>;
}

export async function loadFleet(source: RepoSource, options: LoadFleetOptions = {}): Promise<LoadFleetResult> {
  const diagnostics = new Diagnostics();
  const settingsEntry = await source.entry(SETTINGS_FILE);
  const settings = readSettings(
    settingsEntry?.type === "blob" ? await source.readText(SETTINGS_FILE) : undefined,
    diagnostics,
    { lintAll: options.lint === true },
  );
  const selfRepo = new SelfRepository(options.selfRepositories ?? [], options.selfBranch);
  const analyses = new FileAnalyses(source, options.cache);
  const discovered = options.resourcePaths
    ? undefined
    : await discoverResourcePaths(source, analyses, selfRepo, diagnostics);
  const resourcePaths = options.resourcePaths
    ? options.resourcePaths.map((path) => normalizeRepoPath(path) ?? path)
    : (discovered?.paths ?? [DEFAULT_RESOURCE_PATH]);

  const files: Array<Promise<Analysed<ResourceFileAnalysis>>> = [];
  const seen = new Set<string>();
  for (const path of resourcePaths) {
    const entry = await source.entry(path);
    if (!entry) {
      diagnostics.error("E_MISSING_PATH", `resource path "${path}" does not exist in ${source.label}`, {
        file: path,
        line: 0,
        column: 0,
      });
      continue;
    }
    const tomlFiles =
      entry.type === "blob" ? [path] : [...(await source.files(path)).keys()].filter((f) => f.endsWith(".toml"));
    for (const file of tomlFiles.sort()) {
      if (seen.has(file)) continue;
      seen.add(file);
      files.push(analyses.resourceFile(file));
    }
  }

  const resources = readResources(await Promise.all(files), diagnostics);
  checkRemotes(resources, diagnostics);
  const byKind = groupByKind(resources, diagnostics);
  const repoConfigs = (byKind.get("repo") ?? []).map((r) => r.value as RepoResource);
  const syncs = (byKind.get("resource_sync") ?? []).map((r) => {
    const value = r.value as ResourceSyncResource;
    const paths = syncPaths(value.config.resource_path.map((p) => normalizeRepoPath(p) ?? p));
    // The sync reading these files: its paths were read, and the repository it names (by `repo`,
    // or a [[repo]] its linked_repo names) is this one, or not known to be another. A linked_repo
    // with no [[repo]] here is defined in the UI: as in Komodo's, the sync's own.
    const linked = repoConfigs.find((repo) => repo.name === value.config.linked_repo)?.config;
    const named = value.config.repo !== "" ? value.config : linked;
    const self = paths.every((p) => covers(resourcePaths, p)) && selfRepo.couldBe(named);
    return { ...declared(r, value), config: value.config, self, named, paths };
  });
  // What the self sync names is this repository, on the branch it reads.
  for (const sync of syncs) {
    if (!sync.self || !sync.named) continue;
    selfRepo.branch ??= sync.named.branch;
    selfRepo.add(repositoryUrl(sync.named));
  }
  applySyncFilters(
    byKind,
    syncs.filter((sync) => sync.self),
    diagnostics,
  );
  const variables = resolveVariables(byKind.get("variable") ?? [], options.variables ?? {}, options.secrets ?? {});

  // `[[NAME]]` in string config fields: a server's passkey, an alerter's URL, token or SMTP password.
  const withVariables = <T extends { name: string; config: object }>(r: ReadResource<unknown>, kind: string) => {
    const value = r.value as T;
    const config = thawedCopy(value.config) as T["config"];
    interpolateFields({
      config,
      variables,
      diagnostics,
      locate: (...field) => r.toml.locate([...r.path, "config", ...field]),
      resource: `${kind} "${value.name}"`,
      kind,
    });
    return { ...declared(r, value as T & { description: string; tags: string[] }), config };
  };
  const servers = (byKind.get("server") ?? []).map((r) => withVariables<ServerResource>(r, "server"));
  const repos = (byKind.get("repo") ?? []).map((r) => ({
    ...declared(r, r.value as RepoResource),
    config: (r.value as RepoResource).config,
  }));
  const knownServers =
    options.knownServers ??
    new Map([...settings.externalServers, ...(options.externalServers ?? [])].map((name) => [name, true]));
  const swarms = resolveSwarms(
    byKind.get("swarm") ?? [],
    new Map([...knownServers, ...servers.map((s): [string, boolean] => [s.name, s.config.enabled])]),
    diagnostics,
  );
  const others = new OtherRepositories(options.repositories, options.cache);
  const stacks = await resolveStacks({
    resources: (byKind.get("stack") ?? []) as ReadResource<StackResource>[],
    servers,
    swarms,
    repos,
    syncs,
    selfRepo,
    variables,
    settings,
    source,
    diagnostics,
    knownServers,
    others,
    analyses,
  }).finally(() => others.close());
  checkCrossReferences(stacks, (byKind.get("stack") ?? []) as ReadResource<StackResource>[], diagnostics);

  const fleet: Fleet = {
    servers,
    swarms,
    stacks,
    syncs: syncs.map(({ named: _named, paths: _paths, ...sync }) => sync),
    variables: (byKind.get("variable") ?? []).map((r) => {
      const value = r.value as VariableResource;
      return {
        name: value.name,
        at: r.at,
        description: value.description,
        tags: [],
        value: value.is_secret ? "" : value.value,
        secret: value.is_secret,
      };
    }),
    alerters: (byKind.get("alerter") ?? []).map((r) => withVariables<AlerterResource>(r, "alerter")),
    userGroups: (byKind.get("user_group") ?? []).map((r) => ({
      name: r.name,
      at: r.at,
      description: "",
      tags: [],
      config: r.value as UserGroupResource,
    })),
    repos,
    settings,
    resourcePaths,
    secretValues: [...variables.values()].filter((v) => v.secret && v.value !== "").map((v) => v.value),
    ...(source.commit ? { commit: source.commit } : {}),
  };
  return {
    fleet,
    errors: diagnostics.errors,
    warnings: diagnostics.warnings,
    suppressedLints: Object.fromEntries([...diagnostics.suppressed].sort(([a], [b]) => a.localeCompare(b))),
  };
}

function declared(resource: ReadResource, value: { name: string; description: string; tags: string[] }): Declared {
  return { name: value.name, at: resource.at, description: value.description, tags: value.tags };
}

function groupByKind(resources: ReadResource[], diagnostics: Diagnostics): Map<string, ReadResource[]> {
  const byKind = new Map<string, ReadResource[]>();
  const seen = new Map<string, ReadResource>();
  for (const resource of resources) {
    const key = `${resource.kind}\u0000${resource.name}`;
    const first = seen.get(key);
    if (first) {
      diagnostics.error(
        "E_DUPLICATE_NAME",
        `duplicate ${resource.kind} "${resource.name}" (first declared at ${first.at.file}:${first.at.line})`,
        resource.toml.locate([...resource.path, "name"]),
        `${resource.kind}.name`,
      );
      continue;
    }
    seen.set(key, resource);
    const list = byKind.get(resource.kind) ?? [];
    list.push(resource);
    byKind.set(resource.kind, list);
  }
  return byKind;
}

function resolveVariables(
  resources: ReadResource[],
  held: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
): Map<string, Variable> {
  const variables = new Map<string, Variable>(
    Object.entries(held).map(([name, value]): [string, Variable] => [name, { value, secret: false }]),
  );
  for (const resource of resources) {
    const value = resource.value as VariableResource;
    // A value that came from a secret is a secret, whatever the [[variable]] says.
    const held = secrets[value.name];
    variables.set(value.name, { value: held ?? value.value, secret: value.is_secret || held !== undefined });
  }
  for (const [name, value] of Object.entries(secrets)) {
    if (!variables.has(name)) variables.set(name, { value, secret: true });
  }
  return variables;
}
