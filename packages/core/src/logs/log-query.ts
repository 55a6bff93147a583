// What a log search means, pure: the words to find (every one, in any order),
// "quoted phrases", `prefix*`, and `-excluded` words; and the level a line
// says it has (a JSON `level` field, logfmt `level=`, or a leading ERROR /
// [warn] / W1206 …). Both full-text engines get the same meaning: FTS5's
// MATCH syntax for SQLite, tsquery pieces for PostgreSQL.

export const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface QueryTerm {
  /** The term's words, in order (a phrase when more than one). */
  words: string[];
  /** `word*`: the last word is a prefix. */
  prefix: boolean;
  negate: boolean;
}

/** Words as both engines' tokenizers see them: letters and digits, lowercased. */
const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** The query's terms; words-only characters (`***`, `->`) are dropped, as the index drops them. */
export function parseQuery(query: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  for (const match of query.matchAll(/(-?)(?:"([^"]*)"|(\S+))/g)) {
    const negate = match[1] === "-";
    const text = match[2] ?? match[3] ?? "";
    const prefix = match[2] === undefined && text.endsWith("*");
    const found = words(prefix ? text.slice(0, -1) : text);
    if (found.length > 0) terms.push({ words: found, prefix, negate });
  }
  return terms;
}

/** FTS5 MATCH text: each term a quoted phrase, all required, excluded ones after NOT. */
export function fts5Match(terms: readonly QueryTerm[]): string {
  const phrase = (t: QueryTerm) => `"${t.words.join(" ")}"${t.prefix ? "*" : ""}`;
  const wanted = terms.filter((t) => !t.negate).map(phrase);
  const unwanted = terms.filter((t) => t.negate).map(phrase);
  return [wanted.join(" AND "), ...unwanted.map((p) => `NOT ${p}`)].join(" ");
}

/** PostgreSQL: each term as `phraseto_tsquery` input or a prefix `to_tsquery` input, and whether it is excluded. */
export function tsqueryParts(terms: readonly QueryTerm[]): Array<{ text: string; prefix: boolean; negate: boolean }> {
  return terms.map((t) => ({
    text: t.prefix ? `${t.words.join(" <-> ")}:*` : t.words.join(" "),
    prefix: t.prefix,
    negate: t.negate,
  }));
}

const ALIASES: Record<string, LogLevel> = {
  trace: "trace",
  trc: "trace",
  debug: "debug",
  dbg: "debug",
  info: "info",
  inf: "info",
  notice: "info",
  warn: "warn",
  warning: "warn",
  wrn: "warn",
  error: "error",
  err: "error",
  eror: "error",
  fatal: "fatal",
  panic: "fatal",
  crit: "fatal",
  critical: "fatal",
  emerg: "fatal",
  alert: "fatal",
};

/** A level word first, or after up to three timestamp-like tokens (`2026-12-06`, `03:10:12.5`, `2026/12/06`). */
const LEADING =
  /^\s*(?:[\d\-/:.,TZ+]+\s+){0,3}?[[(<]?(trace|trc|debug|dbg|info|inf|notice|warn|warning|wrn|error|err|eror|fatal|panic|crit|critical|emerg|alert)[\])>:|]?(?:\s|$)/i;
const LOGFMT = /(?:^|\s)(?:level|lvl|severity)=["']?([a-z]+)/i;
/** glog / klog: `E1206 03:10:12.123456 …`. */
const GLOG = /^([IWEF])\d{4} \d\d:\d\d:\d\d/;

/** The level a line says it has, or undefined. */
export function detectLevel(line: string): LogLevel | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("{") && trimmed.length <= 16_384) {
    try {
      const value = JSON.parse(trimmed) as Record<string, unknown>;
      const field = value.level ?? value.lvl ?? value.severity ?? value.loglevel ?? value["log.level"];
      if (typeof field === "string") return ALIASES[field.toLowerCase()];
      // pino and bunyan: numbers.
      if (typeof field === "number")
        return field >= 60
          ? "fatal"
          : field >= 50
            ? "error"
            : field >= 40
              ? "warn"
              : field >= 30
                ? "info"
                : field >= 20
                  ? "debug"
                  : "trace";
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  const glog = GLOG.exec(trimmed)?.[1];
  if (glog) return ({ I: "info", W: "warn", E: "error", F: "fatal" } as const)[glog as "I" | "W" | "E" | "F"];
  const named = LOGFMT.exec(trimmed)?.[1] ?? LEADING.exec(trimmed)?.[1];
  return named ? ALIASES[named.toLowerCase()] : undefined;
}
