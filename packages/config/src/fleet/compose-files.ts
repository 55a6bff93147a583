// Compose files of the stacks: parsed and linted once per file however many
// stacks share it, and their references checked against the repository.

import { isHostPath } from "@tugboat/protocol";
import { replay } from "../analysis/analysis-cache.js";
import type { FileAnalyses } from "../analysis/file-analyses.js";
import { lintCompose } from "../compose/lints.js";
import type { ComposeDocument } from "../compose/parse-compose.js";
import { type ComposeReference, composeReferences, isRepoRelative, unsetVariables } from "../compose/references.js";
import type { Diagnostics, Location } from "../diagnostics.js";
import { joinRepoPath, type RepoSource, symlinkOnPath } from "../source/repo-source.js";
import type { FileMount, FleetStack, StackInput } from "./model.js";
import type { RepoSettings } from "./settings.js";

/** One repository's compose files in one load: read through `analyses`, checked once per way they are used. */
export interface ComposeCache {
  analyses: FileAnalyses;
  /** Compose file path (and, for a file others extend, the service) → its document (undefined when it does not parse). */
  checked: Map<string, Promise<ComposeDocument | undefined>>;
}

/**
 * Reads a compose file once however many stacks use it. A stack's own file
 * and an `include`d one are whole projects: schema-checked and linted. A file
 * named by `extends` is a fragment: only the service extended is checked.
 */
export function loadComposeFile(options: {
  file: string;
  settings: RepoSettings;
  cache: ComposeCache;
  diagnostics: Diagnostics;
  /** Set for an `extends` target: the one service Compose reads from it. */
  service?: string;
}): Promise<ComposeDocument | undefined> {
  const { file, settings, cache, diagnostics, service } = options;
  const key = service === undefined ? file : `${file}\u0000${service}`;
  let pending = cache.checked.get(key);
  if (!pending) {
    // Parsed once, whichever way the file is used; checked once per way.
    let parsed = cache.checked.get(`${file}\u0000`);
    if (!parsed) {
      parsed = cache.analyses.compose(file).then((analysed) => {
        replay(analysed, diagnostics);
        return analysed.value;
      });
      cache.checked.set(`${file}\u0000`, parsed);
    }
    pending = parsed.then(async (compose) => {
      // A missing extended service is reported where it is named.
      if (!compose || (service !== undefined && !hasService(compose, service))) return compose;
      replay(await cache.analyses.composeSchema(file, compose, service), diagnostics);
      if (service === undefined) lintCompose(compose, settings.lint, diagnostics);
      return compose;
    });
    cache.checked.set(key, pending);
  }
  return pending;
}

function hasService(compose: ComposeDocument, service: string): boolean {
  const services = compose.value.services;
  return typeof services === "object" && services !== null && Object.hasOwn(services, service);
}

/** The folder holding a repository file ("" for the root). */
export function folderOf(file: string): string {
  const slash = file.lastIndexOf("/");
  return slash < 0 ? "" : file.slice(0, slash);
}

function describeVia(reference: ComposeReference): string {
  const service = reference.service ? ` of service ${reference.service}` : "";
  switch (reference.kind) {
    case "bind mount":
      return `bind-mounted by service ${reference.service ?? "?"}`;
    case "include":
      return "included";
    case "extends":
      return `extended by service ${reference.service ?? "?"}`;
    default:
      return `${reference.kind}${service}`;
  }
}

/** What a stack's deploy reads from the repository, gathered while its references are checked. */
export interface StackReads {
  /** Repository path → the file or folder read, with its Git id and why. */
  inputs: Map<string, StackInput>;
  /** Single files its services bind-mount (a changed one means recreating the service). */
  fileMounts: FileMount[];
  /** Build contexts and Dockerfiles of its services (a changed one means building the service). */
  buildInputs: FileMount[];
  /** A path used a variable the environment does not set: which files it means is unknown. */
  unresolved: boolean;
}

/** Variables set nowhere, by name: where paths use them (W_UNRESOLVED_PATH, one per variable). */
export type UnsetVariables = Map<string, { stacks: Set<string>; paths: number; locate: () => Location }>;

/**
 * Checks one reference: it must stay inside the repository and exist (unless
 * Docker may create it, as for a read-write bind mount inside the run
 * directory). Records what the deploy reads in `reads`, following `include`
 * and `extends` into the files they name.
 */
export async function checkReference(options: {
  reference: ComposeReference;
  stack: FleetStack;
  source: RepoSource;
  diagnostics: Diagnostics;
  composeCache: ComposeCache;
  settings: RepoSettings;
  env: ReadonlyMap<string, string>;
  reads: StackReads;
  unset: UnsetVariables;
  depth?: number;
}): Promise<void> {
  const { reference, stack, source, diagnostics, composeCache, settings, env, reads } = options;
  const depth = options.depth ?? 0;
  if (reference.path === undefined) {
    reads.unresolved = true;
    for (const name of unsetVariables(reference.written, env)) {
      const seen = options.unset.get(name) ?? { stacks: new Set<string>(), paths: 0, locate: reference.locate };
      seen.stacks.add(stack.name);
      seen.paths += 1;
      options.unset.set(name, seen);
    }
    return;
  }
  if (reference.kind === "env_file" && isHostPath(reference.path)) {
    diagnostics.warning(
      "W_HOST_FILE",
      `stack "${stack.name}": env_file "${reference.written}" of service ${reference.service ?? "?"} is a file on the server, read there at deploy; not checked here`,
      reference.locate(),
    );
    return;
  }
  if (!isRepoRelative(reference.path)) return;
  const path = joinRepoPath(reference.baseDir, reference.path);
  if (path === undefined) {
    diagnostics.error(
      "E_PATH_ESCAPE",
      `${reference.kind} "${reference.written}" leaves the repository (stack "${stack.name}")`,
      reference.locate(),
    );
    return;
  }
  const link = await symlinkOnPath(source, path);
  if (link) {
    diagnostics.error(
      "E_SYMLINK",
      `${reference.kind} "${reference.written}"${reference.service ? ` of service ${reference.service}` : ""} goes through ${link}, a symlink in the repository; the deploy would follow it out of the checkout: commit the file itself`,
      reference.locate(),
    );
    return;
  }
  const entry = await source.entry(path);
  const insideRun =
    stack.runDirectory === "" || path === stack.runDirectory || path.startsWith(`${stack.runDirectory}/`);
  // The stack's own env file, which the deploy writes from its environment.
  const written = stack.environment.length > 0 && path === joinRepoPath(stack.runDirectory, stack.config.env_file_path);
  if (!entry) {
    if (reference.kind === "env_file" && written) return;
    const what = `${reference.kind} "${reference.written}"${reference.service ? ` of service ${reference.service}` : ""}`;
    if (reference.kind === "bind mount" && !reference.required && insideRun) {
      diagnostics.warning(
        "W_MISSING_BIND_SOURCE",
        `bind mount source "${reference.written}" of service ${reference.service} is not in the repository; Docker will create it as an empty folder`,
        reference.locate(),
      );
    } else if ((reference.required || !insideRun) && stack.config.pre_deploy.command.trim() !== "") {
      diagnostics.warning(
        "W_MISSING_FILE",
        `${what} is not in ${source.label}: ${path} must be created by the stack's pre_deploy command`,
        reference.locate(),
      );
    } else if (reference.required || !insideRun) {
      diagnostics.error(
        "E_MISSING_FILE",
        `${what} does not exist: ${path} is not in ${source.label}`,
        reference.locate(),
      );
    }
    return;
  }
  const service = reference.service;
  const note = (list: FileMount[]) => {
    if (service && !list.some((m) => m.service === service && m.path === path)) list.push({ service, path });
  };
  if (reference.kind === "bind mount" && entry.type === "blob") note(reads.fileMounts);
  if (reference.kind === "build context" || reference.kind === "dockerfile") note(reads.buildInputs);
  if (!(reference.kind === "env_file" && written) && !reads.inputs.has(path))
    reads.inputs.set(path, { path, oid: entry.oid, via: describeVia(reference) });
  if ((reference.kind === "include" || reference.kind === "extends") && entry.type === "blob" && depth < 8) {
    const target = reference.kind === "extends" ? reference.target : undefined;
    const compose = await loadComposeFile({
      file: path,
      settings,
      cache: composeCache,
      diagnostics,
      ...(target === undefined ? {} : { service: target }),
    });
    if (compose && target !== undefined && !hasService(compose, target)) {
      diagnostics.error(
        "E_COMPOSE_EXTENDS",
        `service ${reference.service ?? "?"} extends service "${target}" of ${path}, which has no such service`,
        reference.locate(),
      );
    } else if (compose) {
      for (const nested of composeReferences({
        compose,
        baseDir: folderOf(path),
        env,
        ...(target === undefined ? {} : { onlyService: target }),
      })) {
        await checkReference({ ...options, reference: nested, depth: depth + 1 });
      }
    }
  }
}
