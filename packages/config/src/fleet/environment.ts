// `[[NAME]]` variable interpolation and the stack environment (KEY=value lines).

export interface Variable {
  value: string;
  secret: boolean;
}

export interface EnvironmentEntry {
  name: string;
  value: string;
  /** True when the value holds a secret variable: never print it. */
  secret: boolean;
  /** The secret values inside it (masked wherever they appear, also alone). */
  secrets: string[];
  /** `[[NAME]]`s no variable here sets: left as written, for core and the agent to resolve at deploy. */
  unresolved: string[];
  /** 0-based line within the environment text. */
  lineOffset: number;
}

export interface UnknownVariable {
  name: string;
  lineOffset: number;
  /** 0-based column within that line. */
  column: number;
}

const REFERENCE = /\[\[([A-Za-z0-9_]+)\]\]/g;

/** Replaces every `[[NAME]]`; reports names with no variable. */
export function interpolate(
  text: string,
  variables: ReadonlyMap<string, Variable>,
): { text: string; secret: boolean; secrets: string[]; unknown: UnknownVariable[] } {
  const secrets: string[] = [];
  const unknown: UnknownVariable[] = [];
  // Most values name no variable: no split, no replace.
  if (!text.includes("[[")) return { text, secret: false, secrets, unknown };
  const lines = text.split("\n").map((line, lineOffset) =>
    line.replace(REFERENCE, (match, name: string, column: number) => {
      const variable = variables.get(name);
      if (!variable) {
        unknown.push({ name, lineOffset, column });
        return match;
      }
      if (variable.secret) secrets.push(variable.value);
      return variable.value;
    }),
  );
  return { text: lines.join("\n"), secret: secrets.length > 0, secrets, unknown };
}

export interface ParsedEnvironment {
  entries: EnvironmentEntry[];
  invalid: Array<{ lineOffset: number; text: string }>;
}

/**
 * Parses `KEY=value` lines (also `KEY: value` and `- KEY=value`, as Komodo
 * does); blank lines and `#` comments are skipped. Interpolates per line so a
 * secret marks only the entries that use it.
 */
export function renderEnvironment(
  text: string,
  variables: ReadonlyMap<string, Variable>,
): ParsedEnvironment & { unknown: UnknownVariable[] } {
  const entries: EnvironmentEntry[] = [];
  const invalid: ParsedEnvironment["invalid"] = [];
  const unknown: UnknownVariable[] = [];
  text.split("\n").forEach((rawLine, lineOffset) => {
    const line = rawLine.trim().replace(/^-\s+/, "");
    if (line === "" || line.startsWith("#")) return;
    const match =
      /^([A-Za-z_][A-Za-z0-9_.-]*)\s*(=|:\s)\s*(.*)$/.exec(line) ?? /^([A-Za-z_][A-Za-z0-9_.-]*)=()(.*)$/.exec(line);
    if (!match) {
      invalid.push({ lineOffset, text: rawLine });
      return;
    }
    const result = interpolate(match[3] ?? "", variables);
    const offset = rawLine.indexOf(match[3] ?? "");
    for (const u of result.unknown) unknown.push({ name: u.name, lineOffset, column: offset + u.column });
    entries.push({
      name: match[1] ?? "",
      value: result.text,
      secret: result.secret,
      secrets: result.secrets,
      unresolved: [...new Set(result.unknown.map((u) => u.name))],
      lineOffset,
    });
  });
  return { entries, invalid, unknown };
}

/** The environment for display: secret values replaced by `***`. */
export function maskedEnvironment(entries: readonly EnvironmentEntry[]): string {
  return entries.map((entry) => `${entry.name}=${entry.secret ? "***" : entry.value}\n`).join("");
}
