// Names and paths that arrive from core, checked before anything touches the
// disk or a command line: no path escapes, nothing a shell could interpret.
import { isAbsolute, relative, resolve } from "node:path";
import { TugError } from "@tugboat/protocol";

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,127}$/;
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;

export type NameKind = "stack" | "project" | "service";

const RULES: Record<NameKind, { pattern: RegExp; rule: string }> = {
  stack: { pattern: STACK_NAME, rule: "letters, digits, '.', '_' and '-', starting with a letter or digit" },
  project: { pattern: PROJECT_NAME, rule: "lowercase letters, digits, '_' and '-', starting with a letter or digit" },
  service: { pattern: SERVICE_NAME, rule: "letters, digits, '.', '_' and '-', starting with a letter or digit" },
};

/** Undefined when valid; otherwise what is wrong, for the operator. */
export function invalidName(kind: NameKind, name: string): string | undefined {
  const { pattern, rule } = RULES[kind];
  if (pattern.test(name) && name !== "." && name !== "..") return undefined;
  return `invalid ${kind} name ${JSON.stringify(name)}: use ${rule} (at most 128)`;
}

/** The absolute path of `path` under `root`, or undefined when it would leave `root`. */
export function pathInside(root: string, path: string): string | undefined {
  if (isAbsolute(path) || path.includes("\0")) return undefined;
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return rel === "" ? full : undefined;
  return full;
}

/** Throws E_INVALID_NAME for a name that may not be used (see `invalidName`). */
export function checkName(kind: NameKind, name: string): void {
  const problem = invalidName(kind, name);
  if (problem) throw new TugError("E_INVALID_NAME", problem);
}
