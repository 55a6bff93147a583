// Resolves each [[stack]]: its server, source repository, environment, run
// directory, compose files and the repository files those depend on.

import { envFilePathProblem, isHostPath } from "@tugboat/protocol";
import { thawedCopy } from "../analysis/analysis-cache.js";
import type { FileAnalyses } from "../analysis/file-analyses.js";
import type { ComposeDocument } from "../compose/parse-compose.js";
import { composeReferences } from "../compose/references.js";
import { COMPOSE_FILE_NAMES } from "../compose-files.js";
import type { Diagnostics, Location } from "../diagnostics.js";
import type { ReadResource } from "../resources/read-resources.js";
import type { RepoConfig } from "../resources/repo.js";
import { repositoryUrl } from "../resources/repo.js";
import type { StackResource } from "../resources/stack.js";
import { joinRepoPath, normalizeRepoPath, type RepoSource, symlinkOnPath } from "../source/repo-source.js";
import { addChecks, labelChecks, tomlChecks } from "./checks.js";
import {
  type ComposeCache,
  checkReference,
  folderOf,
  loadComposeFile,
  type StackReads,
  type UnsetVariables,
} from "./compose-files.js";
import { renderEnvironment, type Variable } from "./environment.js";
import { interpolateFields } from "./interpolate-fields.js";
import type { Declared, FleetServer, FleetStack, FleetSwarm, FleetSync, StackSource } from "./model.js";
import { markUnreadable, type OtherRepositories, repositoryKey } from "./other-repos.js";
import { stackReconcile } from "./reconcile.js";
import type { SelfRepository } from "./self-repo.js";
import type { RepoSettings } from "./settings.js";
import { didYouMean } from "./suggest.js";

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export interface ResolveStacksOptions {
  resources: ReadResource<StackResource>[];
  servers: FleetServer[];
  swarms: FleetSwarm[];
  repos: Array<Declared & { config: RepoConfig }>;
  syncs: FleetSync[];
  /** This repository: stacks that name it read their files here. */
  selfRepo: SelfRepository;
  variables: ReadonlyMap<string, Variable>;
  settings: RepoSettings;
  source: RepoSource;
  diagnostics: Diagnostics;
  /** Servers declared elsewhere (by another sync), name → enabled. */
  knownServers?: ReadonlyMap<string, boolean>;
  /** The other repositories stacks read their files from, as whoever loads the fleet opens them. */
  others: OtherRepositories;
  /** This repository's files, read and analysed once. */
  analyses: FileAnalyses;
}

export async function resolveStacks(options: ResolveStacksOptions): Promise<FleetStack[]> {
  const { resources, servers, repos, syncs, variables, settings, source, diagnostics } = options;
  // Servers this repository declares, and those core already knows from other syncs.
  const serverEnabled = new Map<string, boolean>([
    ...(options.knownServers ?? []),
    ...servers.map((server): [string, boolean] => [server.name, server.config.enabled]),
  ]);
  const repoByName = new Map(repos.map((repo) => [repo.name, repo]));
  const swarmByName = new Map(options.swarms.map((swarm) => [swarm.name, swarm]));
  const warnedLinkedRepos = new Set<string>();
  const composeCache: ComposeCache = { analyses: options.analyses, checked: new Map() };
  const unset: UnsetVariables = new Map();
  // `[[NAME]]`s no [[variable]] here declares: in Komodo they live in core's database or a periphery's [secrets].
  const undeclared = new Map<string, { stacks: Set<string>; at: Location }>();
  // Other repositories not read here (offline, no --repo for them): key → the stacks reading them.
  const unread = new Map<string, { stacks: Set<string>; at: Location; name?: string }>();
  // Stacks resolve concurrently: their file reads share one `git cat-file` pipe.
  const stacks = await Promise.all(
    resources.map(async (resource) => {
      const { value, toml, path } = resource;
      const config = thawedCopy(value.config);
      const locate = (...field: Array<string | number>) => toml.locate([...path, "config", ...field]);

      const unresolved = new Set<string>();
      // skip_secret_interp: `[[NAME]]` stays as written, for the containers to see.
      const known = config.skip_secret_interp ? new Map<string, Variable>() : variables;
      const onUnknown = (name: string, at: Location) => {
        if (config.skip_secret_interp) return;
        unresolved.add(name);
        const seen = undeclared.get(name) ?? { stacks: new Set<string>(), at };
        seen.stacks.add(value.name);
        undeclared.set(name, seen);
      };
      const fieldSecrets = interpolateFields({
        config,
        variables: known,
        diagnostics,
        locate,
        resource: `stack "${value.name}"`,
        kind: "stack",
        skip: ["environment"],
        onUnknown,
      });

      const rendered = renderEnvironment(config.environment, known);
      const envAt = toml.locateValue([...path, "config", "environment"]);
      for (const unknown of rendered.unknown)
        onUnknown(unknown.name, {
          file: toml.file,
          line: envAt.contentLine + unknown.lineOffset,
          column: unknown.column + 1,
        });
      for (const invalid of rendered.invalid) {
        diagnostics.error(
          "E_INVALID_ENVIRONMENT",
          `stack "${value.name}": environment line "${invalid.text.trim()}" is not KEY=value`,
          { file: toml.file, line: envAt.contentLine + invalid.lineOffset, column: 1 },
          "stack.config.environment",
        );
      }

      const swarmName = config.swarm || config.swarm_id;
      const swarm = swarmName ? swarmByName.get(swarmName) : undefined;
      if (swarmName && !swarm)
        diagnostics.error(
          "E_UNKNOWN_SWARM",
          `stack "${value.name}": unknown swarm "${swarmName}"${didYouMean(swarmName, swarmByName.keys())}`,
          locate(config.swarm ? "swarm" : "swarm_id"),
          "stack.config.swarm",
        );
      if (swarm && config.server)
        diagnostics.warning(
          "W_SWARM_AND_SERVER",
          `stack "${value.name}" names both swarm "${swarm.name}" and server "${config.server}": it deploys to the swarm (as in Komodo); remove server`,
          locate("server"),
          "stack.config.server",
        );
      // A swarm stack deploys through the swarm's first manager; core tries the others when it does not answer.
      const server = swarmName ? (swarm?.config.servers[0] ?? "") : config.server;
      if (!swarmName)
        checkServer({
          stack: value.name,
          server,
          enabled: serverEnabled.get(server),
          knownServers: serverEnabled.keys(),
          at: resource.at,
          locate,
          diagnostics,
        });

      const projectName = config.project_name || value.name;
      if (!PROJECT_NAME.test(projectName)) {
        diagnostics.error(
          "E_INVALID_VALUE",
          `stack "${value.name}": project name "${projectName}" must be lowercase letters, digits, "-" and "_", starting with a letter or digit`,
          config.project_name ? locate("project_name") : toml.locate([...path, "name"]),
          "stack.config.project_name",
        );
      }

      const stackSource = resolveSource({
        config,
        repoByName,
        syncs,
        selfRepo: options.selfRepo,
        warnedLinkedRepos,
        diagnostics,
        locate,
      });
      const stack: FleetStack = {
        name: value.name,
        at: resource.at,
        description: value.description,
        tags: value.tags,
        server,
        ...(swarm ? { swarm: swarm.name } : {}),
        projectName,
        runDirectory: normalizeRepoPath(config.run_directory) ?? config.run_directory,
        composeFiles: [],
        environment: rendered.entries,
        after: value.after,
        deploy: value.deploy,
        source: stackSource,
        config,
        reconcile: stackReconcile(config, settings.reconcile),
        checks: tomlChecks(value.name, config.checks, (index) => locate("checks", index), diagnostics),
        inputs: [],
        fileMounts: [],
        buildInputs: [],
        images: [],
        secretValues: [...new Set([...fieldSecrets, ...rendered.entries.flatMap((e) => e.secrets)])],
        unresolvedVariables: [...unresolved].sort(),
      };
      if (stackSource.kind === "sync") {
        await resolveFiles({ stack, source, settings, composeCache, diagnostics, locate, unset });
        return stack;
      }
      const other = await options.others.get(stackSource);
      if (other === undefined) {
        const key = repositoryKey(stackSource);
        const seen = unread.get(key) ?? {
          stacks: new Set<string>(),
          at: locate(config.repo ? "repo" : "linked_repo"),
          ...(stackSource.name ? { name: stackSource.name } : {}),
        };
        seen.stacks.add(value.name);
        unread.set(key, seen);
      } else if ("problem" in other) {
        markUnreadable(stack, `cannot read ${repositoryKey(stackSource)}: ${other.problem}`);
      } else {
        stack.source = { ...stackSource, ...(other.source.commit ? { commit: other.source.commit } : {}) };
        await resolveFiles({
          stack,
          source: other.source,
          settings,
          composeCache: other.composeCache,
          diagnostics: other.diagnostics,
          locate,
          unset,
        });
      }
      return stack;
    }),
  );
  for (const [name, { stacks: users, at }] of [...undeclared].sort(([a], [b]) => a.localeCompare(b))) {
    diagnostics.warning(
      "W_UNKNOWN_VARIABLE",
      `[[${name}]] is not declared in this repository (${listStacks(users)}): it must be set in core or in the server agent's [secrets], or ${users.size === 1 ? "that stack's" : "each"} deploy fails${didYouMean(name, variables.keys())}`,
      at,
    );
  }
  for (const [key, { stacks: users, at, name }] of [...unread].sort(([a], [b]) => a.localeCompare(b))) {
    diagnostics.warning(
      "W_OTHER_REPOSITORY",
      `${listStacks(users)} read ${users.size === 1 ? "its" : "their"} files from another repository, ${key}, not checked here: give --repo ${name ?? "NAME"}=PATH with a checkout of it`,
      at,
    );
  }
  await options.others.finish(stacks, diagnostics, new Set(resources.map((r) => r.toml.file)));
  for (const [name, { stacks: users, paths, locate }] of [...unset].sort(([a], [b]) => a.localeCompare(b))) {
    diagnostics.warning(
      "W_UNRESOLVED_PATH",
      `\${${name}} is not set in the environment (${listStacks(users)}): ${paths === 1 ? "a path that uses it is" : `${paths} paths that use it are`} not checked, and ${users.size === 1 ? "its run directory counts" : "their run directories count"} whole for redeploys`,
      locate(),
    );
  }
  return stacks;
}

/** `stack "a"`, `3 stacks: a, b, c`, `5 stacks: a, b, c and 2 more`. */
function listStacks(names: ReadonlySet<string>): string {
  const sorted = [...names].sort();
  if (sorted.length === 1) return `stack "${sorted[0]}"`;
  const shown =
    sorted.length > 3 ? `${sorted.slice(0, 3).join(", ")} and ${sorted.length - 3} more` : sorted.join(", ");
  return `${sorted.length} stacks: ${shown}`;
}

function resolveSource(options: {
  config: StackResource["config"];
  repoByName: Map<string, Declared & { config: RepoConfig }>;
  syncs: FleetSync[];
  selfRepo: SelfRepository;
  warnedLinkedRepos: Set<string>;
  diagnostics: Diagnostics;
  locate: (...field: string[]) => { file: string; line: number; column: number };
}): StackSource {
  const { config, repoByName, syncs, selfRepo, warnedLinkedRepos, diagnostics, locate } = options;
  if (config.repo) {
    if (selfRepo.matches(config)) return { kind: "sync" };
    return { kind: "repo", url: repositoryUrl(config), branch: config.branch };
  }
  if (!config.linked_repo) return { kind: "sync" };
  const repo = repoByName.get(config.linked_repo);
  if (repo) {
    if (selfRepo.matches(repo.config)) return { kind: "sync" };
    return { kind: "repo", url: repositoryUrl(repo.config), branch: repo.config.branch, name: repo.name };
  }
  // The self sync names the same repository (defined in the UI): this one, nothing to warn about.
  if (syncs.some((sync) => sync.self && sync.config.linked_repo === config.linked_repo)) return { kind: "sync" };
  if (!warnedLinkedRepos.has(config.linked_repo)) {
    warnedLinkedRepos.add(config.linked_repo);
    diagnostics.warning(
      "W_LINKED_REPO_UNDEFINED",
      `linked_repo "${config.linked_repo}" has no [[repo]] in these files; stacks naming it deploy from the repository of this sync`,
      locate("linked_repo"),
      "stack.config.linked_repo",
    );
  }
  return { kind: "sync" };
}

async function resolveFiles(options: {
  stack: FleetStack;
  source: RepoSource;
  settings: RepoSettings;
  composeCache: ComposeCache;
  diagnostics: Diagnostics;
  locate: (...field: string[]) => { file: string; line: number; column: number };
  unset: UnsetVariables;
}) {
  const { stack, source, settings, composeCache, diagnostics, locate, unset } = options;
  const { config } = stack;
  const runDirectory = normalizeRepoPath(config.run_directory);
  if (runDirectory === undefined) {
    diagnostics.error(
      "E_PATH_ESCAPE",
      `stack "${stack.name}": run_directory "${config.run_directory}" leaves the repository`,
      locate("run_directory"),
      "stack.config.run_directory",
    );
    return;
  }
  // The deploy opens these paths in the checkout: a symlink among them would lead out of it.
  const symlinked = async (path: string, what: string, at: Location, field: string) => {
    const link = await symlinkOnPath(source, path);
    if (!link) return false;
    diagnostics.error(
      "E_SYMLINK",
      `stack "${stack.name}": ${what} "${path}" goes through ${link}, a symlink in the repository; the deploy would follow it out of the checkout: commit the file or folder itself`,
      at,
      field,
    );
    return true;
  };
  if (
    await symlinked(
      runDirectory,
      "run_directory",
      config.run_directory ? locate("run_directory") : stack.at,
      "stack.config.run_directory",
    )
  )
    return;
  const runEntry = await source.entry(runDirectory);
  if (runEntry?.type !== "tree") {
    diagnostics.error(
      "E_MISSING_RUN_DIRECTORY",
      `stack "${stack.name}": run_directory "${config.run_directory}" ${runEntry ? "is a file, not a folder" : `does not exist in ${source.label}`}`,
      config.run_directory ? locate("run_directory") : stack.at,
      "stack.config.run_directory",
    );
    return;
  }

  const names = config.file_paths.length > 0 ? config.file_paths : await defaultComposeFile(source, runDirectory);
  if (names.length === 0) {
    diagnostics.error(
      "E_MISSING_COMPOSE_FILE",
      `stack "${stack.name}": no compose file in "${runDirectory || "."}" (looked for ${COMPOSE_FILE_NAMES.join(", ")}); set file_paths`,
      config.run_directory ? locate("run_directory") : stack.at,
      "stack.config.file_paths",
    );
    return;
  }
  const env = new Map(stack.environment.map((entry) => [entry.name, entry.value]));
  const reads: StackReads = { inputs: new Map(), fileMounts: [], buildInputs: [], unresolved: false };
  for (const [index, name] of names.entries()) {
    const file = joinRepoPath(runDirectory, name);
    const at = config.file_paths.length > 0 ? locate("file_paths", String(index)) : stack.at;
    if (file === undefined) {
      diagnostics.error(
        "E_PATH_ESCAPE",
        `stack "${stack.name}": compose file "${name}" leaves the repository`,
        at,
        "stack.config.file_paths",
      );
      continue;
    }
    if (await symlinked(file, "compose file", at, "stack.config.file_paths")) continue;
    const entry = await source.entry(file);
    if (entry?.type !== "blob") {
      diagnostics.error(
        "E_MISSING_COMPOSE_FILE",
        `stack "${stack.name}": compose file "${file}" does not exist in ${source.label}`,
        at,
        "stack.config.file_paths",
      );
      continue;
    }
    stack.composeFiles.push(file);
    reads.inputs.set(file, { path: file, oid: entry.oid, via: "compose file" });
    const compose = await loadComposeFile({ file, settings, cache: composeCache, diagnostics });
    if (!compose) continue;
    addChecks(stack, labelChecks(stack.name, compose, diagnostics));
    noteImages(stack, compose);
    // Compose resolves relative paths against the project directory: the folder of the first compose file.
    const projectDir = folderOf(stack.composeFiles[0] ?? file);
    const references = composeReferences({ compose, baseDir: projectDir, env });
    for (const reference of references) {
      await checkReference({ reference, stack, source, diagnostics, composeCache, settings, env, reads, unset });
    }
  }
  const hostFile = (what: string, path: string, at: Location, field: string) =>
    diagnostics.warning(
      "W_HOST_FILE",
      `stack "${stack.name}": ${what} "${path}" is a file on the server, read there at deploy; not checked here`,
      at,
      field,
    );
  const envAt = config.env_file_path !== ".env" ? locate("env_file_path") : stack.at;
  const envProblem = envFilePathProblem(config.env_file_path, stack.environment.length > 0 ? "set" : "");
  if (envProblem)
    diagnostics.error("E_INVALID_VALUE", `stack "${stack.name}": ${envProblem}`, envAt, "stack.config.env_file_path");
  else if (isHostPath(config.env_file_path))
    hostFile("env_file_path", config.env_file_path, envAt, "stack.config.env_file_path");
  else {
    const envFile = joinRepoPath(runDirectory, config.env_file_path);
    if (envFile !== undefined) await symlinked(envFile, "env_file_path", envAt, "stack.config.env_file_path");
  }
  for (const [index, name] of config.additional_env_files.entries()) {
    const at = locate("additional_env_files", String(index));
    if (isHostPath(name)) {
      hostFile("additional env file", name, at, "stack.config.additional_env_files");
      continue;
    }
    const file = joinRepoPath(runDirectory, name);
    if (file !== undefined && (await symlinked(file, "additional env file", at, "stack.config.additional_env_files")))
      continue;
    const entry = file === undefined ? undefined : await source.entry(file);
    if (entry?.type !== "blob") {
      diagnostics.error(
        file === undefined ? "E_PATH_ESCAPE" : "E_MISSING_FILE",
        `stack "${stack.name}": additional env file "${name}" ${file === undefined ? "leaves the repository" : "does not exist"}`,
        at,
        "stack.config.additional_env_files",
      );
    } else if (file !== undefined) {
      reads.inputs.set(file, { path: file, oid: entry.oid, via: "additional env file" });
    }
  }
  // Compose reads the project folder's `.env` for `${VAR}`, and the deploy uses a committed env_file_path as it is.
  // A committed file the deploy writes over (the stack has an environment) is not read.
  const ownEnv = isHostPath(config.env_file_path) ? undefined : joinRepoPath(runDirectory, config.env_file_path);
  const written = stack.environment.length > 0 ? ownEnv : undefined;
  const projectEnv = joinRepoPath(folderOf(stack.composeFiles[0] ?? ""), ".env");
  for (const [path, via] of [
    [projectEnv === written ? undefined : projectEnv, "the project's .env"],
    [written === undefined ? ownEnv : undefined, "env_file_path"],
  ] as const) {
    const entry = path === undefined ? undefined : await source.entry(path);
    if (path !== undefined && entry?.type === "blob" && !entry.symlink && !reads.inputs.has(path))
      reads.inputs.set(path, { path, oid: entry.oid, via });
  }
  // A path that is not known offline could be any file: the whole run directory counts.
  if (reads.unresolved)
    reads.inputs.set(runDirectory, {
      path: runDirectory,
      oid: runEntry.oid,
      via: "run directory, read whole: a path uses a variable the environment does not set",
    });
  stack.inputs = [...reads.inputs.values()].sort((a, b) => a.path.localeCompare(b.path));
  stack.fileMounts = reads.fileMounts;
  stack.buildInputs = reads.buildInputs;
}

/** Records each service's `image:` string; a later compose file's overrides an earlier one's. */
function noteImages(stack: FleetStack, compose: ComposeDocument): void {
  const services = compose.value.services;
  if (typeof services !== "object" || services === null) return;
  for (const [service, definition] of Object.entries(services as Record<string, unknown>)) {
    const image = (definition as { image?: unknown } | null)?.image;
    if (typeof image !== "string") continue;
    const line = compose.imageLine(service, image);
    const entry = { service, image, file: compose.file, ...(line === undefined ? {} : { line }) };
    const index = stack.images.findIndex((i) => i.service === service);
    if (index >= 0) stack.images[index] = entry;
    else stack.images.push(entry);
  }
}

async function defaultComposeFile(source: RepoSource, runDirectory: string): Promise<string[]> {
  const present = new Set((await source.list(runDirectory)) ?? []);
  const first = COMPOSE_FILE_NAMES.find((name) => present.has(name));
  return first ? [first] : [];
}

/** A (non-swarm) stack's server: set, known, enabled. */
function checkServer(options: {
  stack: string;
  server: string;
  enabled: boolean | undefined;
  knownServers?: Iterable<string>;
  at: Location;
  locate: (...field: Array<string | number>) => Location;
  diagnostics: Diagnostics;
}): void {
  const { stack, server, enabled, locate, diagnostics } = options;
  if (server === "") {
    diagnostics.error(
      "E_MISSING_FIELD",
      `stack "${stack}" has no server: set config.server`,
      options.at,
      "stack.config.server",
    );
  } else if (enabled === undefined) {
    diagnostics.error(
      "E_UNKNOWN_SERVER",
      `unknown server "${server}"${didYouMean(server, options.knownServers ?? [])}`,
      locate("server"),
      "stack.config.server",
    );
  } else if (!enabled) {
    diagnostics.warning(
      "W_SERVER_DISABLED",
      `stack "${stack}" targets server "${server}", which is not enabled (servers are disabled unless enabled = true); it will not deploy`,
      locate("server"),
      "stack.config.server",
    );
  }
}
