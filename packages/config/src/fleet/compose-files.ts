// Compose files of the stacks: parsed and linted once per file however many
// stacks share it, and their references checked against the repository.
import { lintCompose } from "../compose/lints.js";
import { type ComposeDocument, parseCompose } from "../compose/parse-compose.js";
import { type ComposeReference, composeReferences, isRepoRelative } from "../compose/references.js";
import type { Diagnostics } from "../diagnostics.js";
import { joinRepoPath, type RepoSource, symlinkOnPath } from "../source/repo-source.js";
import type { FileMount, FleetStack, StackDependency } from "./model.js";
import type { RepoSettings } from "./settings.js";

/** Compose file path → its parsed document (undefined when it does not parse). */
export type ComposeCache = Map<string, Promise<ComposeDocument | undefined>>;

export function loadComposeFile(options: {
  file: string;
  source: RepoSource;
  settings: RepoSettings;
  cache: ComposeCache;
  diagnostics: Diagnostics;
}): Promise<ComposeDocument | undefined> {
  const { file, source, settings, cache, diagnostics } = options;
  let pending = cache.get(file);
  if (!pending) {
    pending = source.readText(file).then((text) => {
      const compose = parseCompose(file, text, diagnostics);
      if (compose) lintCompose(compose, settings.lint, diagnostics);
      return compose;
    });
    cache.set(file, pending);
  }
  return pending;
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

/**
 * Checks one reference: it must stay inside the repository and exist (unless
 * Docker may create it, as for a read-write bind mount inside the run
 * directory). Returns the dependencies outside the run directory it adds,
 * following `include` and `extends` into the files they name.
 */
export async function checkReference(options: {
  reference: ComposeReference;
  stack: FleetStack;
  source: RepoSource;
  diagnostics: Diagnostics;
  composeCache: ComposeCache;
  settings: RepoSettings;
  env: ReadonlyMap<string, string>;
  /** Receives each repository file a service bind-mounts (a changed one means recreating the service). */
  onFileMount?: (mount: FileMount) => void;
  depth?: number;
}): Promise<StackDependency[]> {
  const { reference, stack, source, diagnostics, composeCache, settings, env } = options;
  const depth = options.depth ?? 0;
  if (reference.path === undefined) {
    diagnostics.warning(
      "W_UNRESOLVED_PATH",
      `stack "${stack.name}": ${reference.kind} "${reference.written}" uses a variable the stack's environment does not set; not checked`,
      reference.locate(),
    );
    return [];
  }
  if (!isRepoRelative(reference.path)) return [];
  const path = joinRepoPath(reference.baseDir, reference.path);
  if (path === undefined) {
    diagnostics.error(
      "E_PATH_ESCAPE",
      `${reference.kind} "${reference.written}" leaves the repository (stack "${stack.name}")`,
      reference.locate(),
    );
    return [];
  }
  const link = await symlinkOnPath(source, path);
  if (link) {
    diagnostics.error(
      "E_SYMLINK",
      `${reference.kind} "${reference.written}"${reference.service ? ` of service ${reference.service}` : ""} goes through ${link}, a symlink in the repository; the deploy would follow it out of the checkout: commit the file itself`,
      reference.locate(),
    );
    return [];
  }
  const entry = await source.entry(path);
  const insideRun =
    stack.runDirectory === "" || path === stack.runDirectory || path.startsWith(`${stack.runDirectory}/`);
  if (!entry) {
    if (reference.kind === "bind mount" && !reference.required && insideRun) {
      diagnostics.warning(
        "W_MISSING_BIND_SOURCE",
        `bind mount source "${reference.written}" of service ${reference.service} is not in the repository; Docker will create it as an empty folder`,
        reference.locate(),
      );
    } else if (reference.required || !insideRun) {
      diagnostics.error(
        "E_MISSING_FILE",
        `${reference.kind} "${reference.written}"${reference.service ? ` of service ${reference.service}` : ""} does not exist: ${path} is not in ${source.label}`,
        reference.locate(),
      );
    }
    return [];
  }
  if (reference.kind === "bind mount" && entry.type === "blob" && reference.service)
    options.onFileMount?.({ service: reference.service, path });
  const found: StackDependency[] = insideRun ? [] : [{ path, oid: entry.oid, via: describeVia(reference) }];
  if ((reference.kind === "include" || reference.kind === "extends") && entry.type === "blob" && depth < 8) {
    const compose = await loadComposeFile({ file: path, source, settings, cache: composeCache, diagnostics });
    if (compose) {
      for (const nested of composeReferences({ compose, baseDir: folderOf(path), env })) {
        found.push(...(await checkReference({ ...options, reference: nested, depth: depth + 1 })));
      }
    }
  }
  return found;
}
