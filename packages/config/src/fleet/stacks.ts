// Resolves each [[stack]]: its server, source repository, environment, run
// directory, compose files and the repository files those depend on.
import { composeReferences } from "../compose/references.js";
import { COMPOSE_FILE_NAMES } from "../compose-files.js";
import type { Diagnostics, Location } from "../diagnostics.js";
import type { ReadResource } from "../resources/read-resources.js";
import type { RepoConfig } from "../resources/repo.js";
import { repositoryUrl } from "../resources/repo.js";
import type { StackResource } from "../resources/stack.js";
import { joinRepoPath, normalizeRepoPath, type RepoSource, symlinkOnPath } from "../source/repo-source.js";
import { type ComposeCache, checkReference, folderOf, loadComposeFile } from "./compose-files.js";
import { renderEnvironment, type Variable } from "./environment.js";
import { interpolateFields } from "./interpolate-fields.js";
import type { Declared, FleetServer, FleetStack, FleetSync, StackDependency, StackSource } from "./model.js";
import type { RepoSettings } from "./settings.js";
import { didYouMean } from "./suggest.js";

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export interface ResolveStacksOptions {
  resources: ReadResource<StackResource>[];
  servers: FleetServer[];
  repos: Array<Declared & { config: RepoConfig }>;
  syncs: FleetSync[];
  variables: ReadonlyMap<string, Variable>;
  settings: RepoSettings;
  source: RepoSource;
  diagnostics: Diagnostics;
  /** Servers declared elsewhere (by another sync), name → enabled. */
  knownServers?: ReadonlyMap<string, boolean>;
}

export async function resolveStacks(options: ResolveStacksOptions): Promise<FleetStack[]> {
  const { resources, servers, repos, syncs, variables, settings, source, diagnostics } = options;
  // Servers this repository declares, and those core already knows from other syncs.
  const serverEnabled = new Map<string, boolean>([
    ...(options.knownServers ?? []),
    ...servers.map((server): [string, boolean] => [server.name, server.config.enabled]),
  ]);
  const repoByName = new Map(repos.map((repo) => [repo.name, repo]));
  const warnedLinkedRepos = new Set<string>();
  const composeCache: ComposeCache = new Map();
  // Stacks resolve concurrently: their file reads share one `git cat-file` pipe.
  return Promise.all(
    resources.map(async (resource) => {
      const { value, toml, path } = resource;
      const config = structuredClone(value.config);
      const locate = (...field: Array<string | number>) => toml.locate([...path, "config", ...field]);

      const fieldSecrets = interpolateFields({
        config,
        variables,
        diagnostics,
        locate,
        resource: `stack "${value.name}"`,
        kind: "stack",
        skip: ["environment"],
      });

      const rendered = renderEnvironment(config.environment, variables);
      const envAt = toml.locateValue([...path, "config", "environment"]);
      for (const unknown of rendered.unknown) {
        diagnostics.error(
          "E_UNKNOWN_VARIABLE",
          `stack "${value.name}": unknown variable [[${unknown.name}]] in environment${didYouMean(unknown.name, variables.keys())}`,
          { file: toml.file, line: envAt.contentLine + unknown.lineOffset, column: unknown.column + 1 },
          "stack.config.environment",
        );
      }
      for (const invalid of rendered.invalid) {
        diagnostics.error(
          "E_INVALID_ENVIRONMENT",
          `stack "${value.name}": environment line "${invalid.text.trim()}" is not KEY=value`,
          { file: toml.file, line: envAt.contentLine + invalid.lineOffset, column: 1 },
          "stack.config.environment",
        );
      }

      const enabled = serverEnabled.get(config.server);
      if (config.server === "") {
        diagnostics.error(
          "E_MISSING_FIELD",
          `stack "${value.name}" has no server: set config.server`,
          resource.at,
          "stack.config.server",
        );
      } else if (enabled === undefined) {
        diagnostics.error(
          "E_UNKNOWN_SERVER",
          `unknown server "${config.server}"${didYouMean(config.server, serverEnabled.keys())}`,
          locate("server"),
          "stack.config.server",
        );
      } else if (!enabled) {
        diagnostics.warning(
          "W_SERVER_DISABLED",
          `stack "${value.name}" targets server "${config.server}", which is not enabled (servers are disabled unless enabled = true); it will not deploy`,
          locate("server"),
          "stack.config.server",
        );
      }

      const projectName = config.project_name || value.name;
      if (!PROJECT_NAME.test(projectName)) {
        diagnostics.error(
          "E_INVALID_VALUE",
          `stack "${value.name}": project name "${projectName}" must be lowercase letters, digits, "-" and "_", starting with a letter or digit`,
          config.project_name ? locate("project_name") : toml.locate([...path, "name"]),
          "stack.config.project_name",
        );
      }

      const stackSource = resolveSource({ config, repoByName, syncs, warnedLinkedRepos, diagnostics, locate });
      const stack: FleetStack = {
        name: value.name,
        at: resource.at,
        description: value.description,
        tags: value.tags,
        server: config.server,
        projectName,
        runDirectory: normalizeRepoPath(config.run_directory) ?? config.run_directory,
        composeFiles: [],
        environment: rendered.entries,
        after: value.after,
        deploy: value.deploy,
        source: stackSource,
        config,
        runDirectoryTree: "",
        files: {},
        dependencies: [],
        fileMounts: [],
        secretValues: [...new Set([...fieldSecrets, ...rendered.entries.flatMap((e) => e.secrets)])],
      };
      if (stackSource.kind === "sync") {
        await resolveFiles({ stack, source, settings, composeCache, diagnostics, locate });
      }
      return stack;
    }),
  );
}

function resolveSource(options: {
  config: StackResource["config"];
  repoByName: Map<string, Declared & { config: RepoConfig }>;
  syncs: FleetSync[];
  warnedLinkedRepos: Set<string>;
  diagnostics: Diagnostics;
  locate: (...field: string[]) => { file: string; line: number; column: number };
}): StackSource {
  const { config, repoByName, syncs, warnedLinkedRepos, diagnostics, locate } = options;
  if (config.repo) {
    return { kind: "repo", url: repositoryUrl(config), branch: config.branch };
  }
  if (!config.linked_repo) return { kind: "sync" };
  const repo = repoByName.get(config.linked_repo);
  if (repo) {
    return { kind: "repo", url: repositoryUrl(repo.config), branch: repo.config.branch, name: repo.name };
  }
  const namedBySelf = syncs.some((sync) => sync.self && sync.config.linked_repo === config.linked_repo);
  if (!warnedLinkedRepos.has(config.linked_repo)) {
    warnedLinkedRepos.add(config.linked_repo);
    diagnostics.warning(
      "W_LINKED_REPO_UNDEFINED",
      `linked_repo "${config.linked_repo}" has no [[repo]] in these files${namedBySelf ? " (the sync's own repository)" : ""}; stacks naming it deploy from the repository of this sync`,
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
}) {
  const { stack, source, settings, composeCache, diagnostics, locate } = options;
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
  stack.runDirectoryTree = runEntry.oid;
  stack.files = Object.fromEntries(await source.files(runDirectory));

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
  const dependencies = new Map<string, StackDependency>();
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
    const compose = await loadComposeFile({ file, source, settings, cache: composeCache, diagnostics });
    if (!compose) continue;
    // Compose resolves relative paths against the project directory: the folder of the first compose file.
    const projectDir = folderOf(stack.composeFiles[0] ?? file);
    const references = composeReferences({ compose, baseDir: projectDir, env });
    for (const reference of references) {
      const resolved = await checkReference({
        reference,
        stack,
        source,
        diagnostics,
        composeCache,
        settings,
        env,
        onFileMount: (mount) => {
          if (!stack.fileMounts.some((m) => m.service === mount.service && m.path === mount.path))
            stack.fileMounts.push(mount);
        },
      });
      for (const dependency of resolved) {
        if (!dependencies.has(dependency.path)) dependencies.set(dependency.path, dependency);
      }
    }
  }
  const envFile = joinRepoPath(runDirectory, config.env_file_path);
  if (envFile !== undefined)
    await symlinked(
      envFile,
      "env_file_path",
      config.env_file_path !== ".env" ? locate("env_file_path") : stack.at,
      "stack.config.env_file_path",
    );
  for (const [index, name] of config.additional_env_files.entries()) {
    const file = joinRepoPath(runDirectory, name);
    const at = locate("additional_env_files", String(index));
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
    } else if (file !== undefined && !isInside(file, runDirectory)) {
      dependencies.set(file, { path: file, oid: entry.oid, via: "additional env file" });
    }
  }
  stack.dependencies = [...dependencies.values()].sort((a, b) => a.path.localeCompare(b.path));
}

export function isInside(path: string, folder: string): boolean {
  return folder === "" || path === folder || path.startsWith(`${folder}/`);
}

async function defaultComposeFile(source: RepoSource, runDirectory: string): Promise<string[]> {
  const present = new Set((await source.list(runDirectory)) ?? []);
  const first = COMPOSE_FILE_NAMES.find((name) => present.has(name));
  return first ? [first] : [];
}
