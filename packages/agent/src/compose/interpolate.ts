// `${VAR}` in a compose file's image, resolved as Compose resolves it: from
// the environment Compose runs in, then the `--env-file`s (later files win).
// With no `--env-file`, Compose reads a `.env` in the project directory
// instead. Only what every Compose version reads the same way is resolved: a
// value with quotes that escape, a `$`, a `#` or edge spaces, a nested
// default, a variable Compose would complain about, or a `.env` it would read
// on its own make the answer undefined, and Compose itself pulls.
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";

/** A variable's value; undefined when unset; "unsure" when Compose versions could read it differently. */
export type Lookup = (name: string) => string | undefined | "unsure";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One env file line's value as every Compose version reads it, or "unsure". */
function plainValue(raw: string): string | "unsure" {
  const single = /^'([^'\\]*)'$/.exec(raw) ?? /^"([^"\\$]*)"$/.exec(raw);
  if (single) return single[1] ?? "";
  if (/["'\\$#]/.test(raw) || raw !== raw.trim()) return "unsure";
  return raw;
}

/** The variables of an env file; undefined when a line is not one this reader is sure of. */
function parseEnvFile(text: string): Map<string, string | "unsure"> | undefined {
  const values = new Map<string, string | "unsure">();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const equals = trimmed.indexOf("=");
    const name = trimmed.slice(0, equals).replace(/^export\s+/, "");
    if (equals < 0 || !NAME.test(name)) return undefined;
    values.set(name, plainValue(trimmed.slice(equals + 1)));
  }
  return values;
}

/** How Compose would look variables up for this project, or undefined when this reader cannot tell. */
export async function composeLookup(
  envFiles: readonly string[],
  env: NodeJS.ProcessEnv,
  /** Where a Compose version may look for `.env` when given no `--env-file`: the working and the first file's directory. */
  projectDirs: readonly string[],
): Promise<Lookup | undefined> {
  const exists = (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );
  if (envFiles.length === 0) for (const dir of projectDirs) if (await exists(join(dir, ".env"))) return undefined;
  const fromFiles = new Map<string, string | "unsure">();
  for (const file of envFiles) {
    // A file that cannot be read is Compose's to report.
    const text = await readFile(file, "utf8").catch(() => undefined);
    const parsed = text === undefined ? undefined : parseEnvFile(text);
    if (!parsed) return undefined;
    for (const [name, value] of parsed) fromFiles.set(name, value);
  }
  // Profiles chosen by the environment change which services Compose pulls.
  if (env.COMPOSE_PROFILES !== undefined || fromFiles.has("COMPOSE_PROFILES")) return undefined;
  return (name) => env[name] ?? fromFiles.get(name);
}

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^${}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** `text` with its variables resolved, or undefined when Compose must resolve it. */
export function interpolate(text: string, lookup: Lookup): string | undefined {
  let unsure = false;
  const out = text.replace(VARIABLE, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === "$$") {
      unsure = true;
      return "";
    }
    const value = lookup((braced ?? bare) as string);
    if (value === "unsure") unsure = true;
    const set = typeof value === "string" && value !== "unsure";
    if (op === ":-") return set && value !== "" ? value : (arg ?? "");
    if (op === "-") return set ? value : (arg ?? "");
    // Unset without a default: Compose warns (or, with `?`, fails) and the image is not one to pull.
    if (!set || (op === ":?" && value === "")) unsure = true;
    return set ? value : "";
  });
  return unsure || /[${}]/.test(out) ? undefined : out;
}
