// Reads `[[kind]]` tables from TOML files into typed resources, collecting
// every problem with its file, line and column.
import type { z } from "zod";
import { type Analysed, replay } from "../analysis/analysis-cache.js";
import type { Diagnostics, Location } from "../diagnostics.js";
import { tooLarge } from "../file-size.js";
import { didYouMean } from "../fleet/suggest.js";
import { type ParsedToml, type PathSegment, parseToml } from "../toml/parse-toml.js";
import { KIND_BY_NAME, KINDS, UNSUPPORTED_KINDS } from "./kinds.js";

export interface ReadResource<T = unknown> {
  kind: string;
  name: string;
  value: T;
  /** The parsed TOML table as written, before defaults. */
  raw: Record<string, unknown>;
  at: Location;
  toml: ParsedToml;
  /** `[kind, index]`: prefix for locating this resource's fields in its file. */
  path: PathSegment[];
}

/** Komodo's alternative names for fields, mapped to the names Tugboat uses. */
const CONFIG_ALIASES: Record<string, Record<string, string>> = {
  stack: { server_id: "server" },
  resource_sync: {},
};

interface Unsupported {
  what: string;
  at: Location;
  count: number;
}

/** What one TOML file declares: its resources, checked, and the kinds its `[[kind]]` headers name. */
export interface ResourceFileAnalysis {
  /** Read off the headers, so a file that does not parse still says what it holds. */
  kinds: ReadonlySet<string>;
  /** Its TOML, when it parses and is not too large. */
  toml?: ParsedToml;
  resources: ReadResource[];
  /** Kinds and fields read and ignored: summarised across files, one warning each. */
  unsupported: ReadonlyArray<{ what: string; at: Location }>;
}

const RESOURCE_KINDS = new Set<string>([...KINDS.map((k) => k.kind), ...UNSUPPORTED_KINDS]);
const TABLE_HEADER = /^\s*\[\[\s*([A-Za-z_]+)\s*\]\]/gm;

function kindsIn(text: string): Set<string> {
  const kinds = new Set<string>();
  for (const match of text.matchAll(TABLE_HEADER)) if (RESOURCE_KINDS.has(match[1] ?? "")) kinds.add(match[1] ?? "");
  return kinds;
}

/** Reads one file's `[[kind]]` tables; its problems go to `diagnostics`. */
export function analyseResourceFile(path: string, text: string, diagnostics: Diagnostics): ResourceFileAnalysis {
  const kinds = kindsIn(text);
  const resources: ReadResource[] = [];
  const unsupported: Array<{ what: string; at: Location }> = [];
  const noteUnsupported = (what: string, at: Location) => unsupported.push({ what, at });
  if (tooLarge(path, text, diagnostics)) return { kinds, resources, unsupported };
  const parsed = parseToml(path, text);
  if (!parsed.ok) {
    diagnostics.error("E_TOML_SYNTAX", `TOML syntax error: ${parsed.error.message}`, parsed.error);
    return { kinds, resources, unsupported };
  }
  const { toml } = parsed;
  for (const [kind, tables] of Object.entries(toml.value)) {
    const at = toml.locate([kind]);
    if ((UNSUPPORTED_KINDS as readonly string[]).includes(kind)) {
      noteUnsupported(`[[${kind}]] resources`, at);
      continue;
    }
    const spec = KIND_BY_NAME.get(kind);
    if (!spec) {
      const known = [...KINDS.map((k) => k.kind), ...UNSUPPORTED_KINDS];
      diagnostics.warning("W_UNKNOWN_KIND", `unknown resource kind "${kind}"${didYouMean(kind, known)}; ignored`, at);
      continue;
    }
    if (!Array.isArray(tables)) {
      diagnostics.error("E_INVALID_TYPE", `"${kind}" must be an array of tables: write [[${kind}]]`, at, kind);
      continue;
    }
    tables.forEach((table, index) => {
      const path: PathSegment[] = [kind, index];
      const tableAt = toml.locate(path);
      if (typeof table !== "object" || table === null || Array.isArray(table)) {
        diagnostics.error("E_INVALID_TYPE", `each [[${kind}]] entry must be a table`, tableAt, kind);
        return;
      }
      const raw = applyAliases(kind, table as Record<string, unknown>);
      checkKeys({ raw, kind, path, toml, diagnostics, noteUnsupported });
      const result = (spec.schema as z.ZodType).safeParse(raw);
      const name = typeof raw.name === "string" ? raw.name : `#${index + 1}`;
      if (!result.success) {
        for (const issue of result.error.issues) {
          const field = [kind, ...issue.path.map(String)].join(".");
          const issuePath = [...path, ...issue.path.filter((p): p is string | number => typeof p !== "symbol")];
          diagnostics.error(
            issue.code === "invalid_type" ? "E_INVALID_TYPE" : "E_INVALID_VALUE",
            `${kind} "${name}": ${field.slice(kind.length + 1) || kind} ${lowerFirst(issue.message)}`,
            toml.locate(issuePath),
            field,
          );
        }
        return;
      }
      resources.push({ kind, name, value: result.data, raw, at: tableAt, toml, path });
    });
  }
  return { kinds, toml, resources, unsupported };
}

/** The resources of the files read, in order, with their problems reported and what is ignored summarised. */
export function readResources(
  files: ReadonlyArray<Analysed<ResourceFileAnalysis>>,
  diagnostics: Diagnostics,
): ReadResource[] {
  const resources: ReadResource[] = [];
  const unsupported = new Map<string, Unsupported>();
  for (const file of files) {
    replay(file, diagnostics);
    resources.push(...file.value.resources);
    for (const { what, at } of file.value.unsupported) {
      const seen = unsupported.get(what);
      if (seen) seen.count += 1;
      else unsupported.set(what, { what, at, count: 1 });
    }
  }
  for (const item of unsupported.values()) {
    const times = item.count > 1 ? ` (${item.count} places; first here)` : "";
    diagnostics.warning("W_NOT_SUPPORTED", `${item.what}: not supported yet, read and ignored${times}`, item.at);
  }
  return resources;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function applyAliases(kind: string, table: Record<string, unknown>): Record<string, unknown> {
  const aliases = CONFIG_ALIASES[kind];
  const config = table.config;
  if (!aliases || typeof config !== "object" || config === null) return table;
  const renamed: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const [alias, name] of Object.entries(aliases)) {
    if (alias in renamed && !(name in renamed)) {
      renamed[name] = renamed[alias];
      delete renamed[alias];
    }
  }
  return { ...table, config: renamed };
}

function checkKeys(options: {
  raw: Record<string, unknown>;
  kind: string;
  path: PathSegment[];
  toml: ParsedToml;
  diagnostics: Diagnostics;
  noteUnsupported: (what: string, at: Location) => void;
}) {
  const { raw, kind, path, toml, diagnostics, noteUnsupported } = options;
  const spec = KIND_BY_NAME.get(kind);
  if (!spec) return;
  const check = (keys: string[], known: readonly string[], unsupported: readonly string[], prefix: PathSegment[]) => {
    for (const key of keys) {
      if (known.includes(key)) continue;
      const at = toml.locate([...prefix, key]);
      const dotted = [kind, ...prefix.slice(2), key].join(".");
      if (unsupported.includes(key)) noteUnsupported(`field ${dotted}`, at);
      else
        diagnostics.warning(
          "W_UNKNOWN_FIELD",
          `unknown field "${key}" in ${[kind, ...prefix.slice(2)].join(".")}${didYouMean(key, known)}; ignored`,
          at,
          dotted,
        );
    }
  };
  check(Object.keys(raw), spec.topLevelKeys, spec.unsupportedTopLevel, path);
  const config = raw.config;
  if (spec.configKeys && typeof config === "object" && config !== null && !Array.isArray(config)) {
    check(Object.keys(config), spec.configKeys, spec.unsupportedConfig, [...path, "config"]);
    for (const [key, honoured] of Object.entries(spec.ignoredConfig ?? {})) {
      const value = (config as Record<string, unknown>)[key];
      if (value !== undefined && !honoured(value)) {
        const shown = typeof value === "object" ? "" : ` = ${JSON.stringify(value)}`;
        noteUnsupported(`field ${kind}.config.${key}${shown}`, toml.locate([...path, "config", key]));
      }
    }
    for (const warning of spec.configWarnings?.(config as Record<string, unknown>) ?? [])
      diagnostics.warning(
        warning.code,
        warning.message,
        toml.locate([...path, "config", warning.key]),
        `${kind}.config.${warning.key}`,
      );
  }
}
