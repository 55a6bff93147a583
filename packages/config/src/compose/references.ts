// The files a compose file depends on: env files, bind-mount sources, build
// contexts and Dockerfiles, `include`d and `extends`ed files, file-based
// configs and secrets. Paths stay as written (relative to `baseDir`), with
// `${VAR}` interpolated from the stack's environment.
import type { Location } from "../diagnostics.js";
import type { ComposeDocument, YamlPath } from "./parse-compose.js";

export type ReferenceKind =
  | "env_file"
  | "bind mount"
  | "build context"
  | "dockerfile"
  | "include"
  | "extends"
  | "config"
  | "secret";

export interface ComposeReference {
  kind: ReferenceKind;
  /** As written in the file, after `${VAR}` interpolation; undefined when a variable was unset. */
  path: string | undefined;
  written: string;
  /** The compose file's folder, relative to the repository root: relative paths start here. */
  baseDir: string;
  service?: string;
  readOnly: boolean;
  /** A file that must exist: env_file with required=false and rw bind mounts may be absent. */
  required: boolean;
  /** For `extends`: the service of the other file this one extends. */
  target?: string;
  /** Where it is written; computed only when a problem is reported. */
  locate: () => Location;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose-style `${VAR}`, `${VAR:-default}`, `$VAR` interpolation; undefined when a variable is unset. */
export function interpolateComposeString(text: string, env: ReadonlyMap<string, string>): string | undefined {
  let missing = false;
  const result = text.replace(/\$\$/g, "\u0000").replace(VAR, (_m, braced, op, fallback, bare) => {
    const name = (braced ?? bare) as string;
    const value = env.get(name);
    if (op === ":-" && !value) return fallback as string;
    if (op === "-" && value === undefined) return fallback as string;
    if (value === undefined) missing = true;
    return value ?? "";
  });
  return missing ? undefined : result.replaceAll("\u0000", "$");
}

/** The variables `text` uses that `env` does not set (and that have no default). */
export function unsetVariables(text: string, env: ReadonlyMap<string, string>): string[] {
  const names = new Set<string>();
  for (const match of text.replace(/\$\$/g, "").matchAll(VAR)) {
    const [, braced, op, , bare] = match;
    const name = (braced ?? bare) as string;
    if (op === ":-" || op === "-") continue;
    if (!env.has(name)) names.add(name);
  }
  return [...names];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A path that points into the repository (relative), as opposed to a host path or a URL. */
export function isRepoRelative(path: string): boolean {
  return (
    !path.startsWith("/") && !path.startsWith("~") && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path) && !path.startsWith("git@")
  );
}

export function composeReferences(options: {
  compose: ComposeDocument;
  baseDir: string;
  env: ReadonlyMap<string, string>;
  /** Only these services' references (a file another one `extends`: only the extended service counts). */
  onlyService?: string;
}): ComposeReference[] {
  const { compose, baseDir, env, onlyService } = options;
  const found: ComposeReference[] = [];
  const add = (
    kind: ReferenceKind,
    written: unknown,
    where: YamlPath,
    extra: { service?: string; readOnly?: boolean; required?: boolean; target?: string } = {},
  ) => {
    if (typeof written !== "string" || written === "") return;
    found.push({
      ...(extra.target ? { target: extra.target } : {}),
      kind,
      written,
      path: interpolateComposeString(written, env),
      baseDir,
      readOnly: extra.readOnly ?? false,
      required: extra.required ?? true,
      locate: () => compose.locate(where),
      ...(extra.service ? { service: extra.service } : {}),
    });
  };
  const doc = compose.value;

  const includes = Array.isArray(doc.include) && onlyService === undefined ? doc.include : [];
  includes.forEach((item, i) => {
    if (typeof item === "string") add("include", item, ["include", i]);
    else if (isObject(item)) {
      const paths = Array.isArray(item.path) ? item.path : [item.path];
      for (const [j, p] of paths.entries()) {
        add("include", p, Array.isArray(item.path) ? ["include", i, "path", j] : ["include", i, "path"]);
      }
      const envFiles = Array.isArray(item.env_file) ? item.env_file : [item.env_file];
      for (const p of envFiles) add("env_file", p, ["include", i, "env_file"]);
    }
  });

  for (const section of onlyService === undefined ? (["configs", "secrets"] as const) : []) {
    const entries = isObject(doc[section]) ? doc[section] : {};
    for (const [name, entry] of Object.entries(entries)) {
      if (isObject(entry)) add(section === "configs" ? "config" : "secret", entry.file, [section, name, "file"]);
    }
  }

  const services = isObject(doc.services) ? doc.services : {};
  for (const [service, definition] of Object.entries(services)) {
    if (!isObject(definition) || (onlyService !== undefined && service !== onlyService)) continue;
    const s = { service };
    const envFiles = definition.env_file;
    if (typeof envFiles === "string") add("env_file", envFiles, ["services", service, "env_file"], s);
    else if (Array.isArray(envFiles)) {
      envFiles.forEach((item, i) => {
        if (typeof item === "string") add("env_file", item, ["services", service, "env_file", i], s);
        else if (isObject(item))
          add("env_file", item.path, ["services", service, "env_file", i], { ...s, required: item.required !== false });
      });
    }
    const volumes = Array.isArray(definition.volumes) ? definition.volumes : [];
    volumes.forEach((volume, i) => {
      const where: YamlPath = ["services", service, "volumes", i];
      if (typeof volume === "string") {
        const [source, , mode] = splitVolume(volume);
        if (source === undefined) return;
        // What the source is (a path or a volume name) is known only once `${VAR:-default}` is applied.
        const resolved = interpolateComposeString(source, env);
        const path = resolved ?? source;
        if (resolved === undefined || path.startsWith(".") || path.startsWith("/") || path.startsWith("~")) {
          const readOnly = (mode ?? "").split(",").includes("ro");
          add("bind mount", source, where, { ...s, readOnly, required: readOnly });
        }
      } else if (isObject(volume) && volume.type === "bind") {
        const readOnly = volume.read_only === true;
        add("bind mount", volume.source, [...where, "source"], { ...s, readOnly, required: readOnly });
      }
    });
    const build = definition.build;
    if (typeof build === "string") add("build context", build, ["services", service, "build"], s);
    else if (isObject(build)) {
      const context = typeof build.context === "string" ? build.context : ".";
      add("build context", context, ["services", service, "build", "context"], s);
      if (typeof build.dockerfile === "string" && isRepoRelative(context)) {
        add("dockerfile", joinRelative(context, build.dockerfile), ["services", service, "build", "dockerfile"], s);
      }
    }
    const extendsDef = definition.extends;
    if (isObject(extendsDef) && typeof extendsDef.service === "string")
      add("extends", extendsDef.file, ["services", service, "extends", "file"], { ...s, target: extendsDef.service });
  }
  return found;
}

/** Splits `src:dst[:mode]` on the colons outside `${…}` (`${DIR:-./data}:/data:ro` has two). */
export function splitVolume(volume: string): [string | undefined, string | undefined, string | undefined] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < volume.length; i += 1) {
    const char = volume[i] ?? "";
    if (char === "$" && volume[i + 1] === "{") depth += 1;
    else if (char === "}" && depth > 0) depth -= 1;
    if (char === ":" && depth === 0) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  if (parts.length === 1) return [undefined, parts[0], undefined];
  return [parts[0], parts[1], parts[2]];
}

function joinRelative(base: string, path: string): string {
  if (!isRepoRelative(path)) return path;
  return base === "." || base === "" ? path : `${base.replace(/\/$/, "")}/${path}`;
}
