// Parses one TOML file into plain values plus the source position of every
// table, key and array element, so errors can name the exact line and column.
// toml-eslint-parser is used instead of a plain TOML parser because it keeps
// those positions for valid documents, not only for syntax errors.
import { type AST, getStaticTOMLValue, parseTOML } from "toml-eslint-parser";
import type { Location } from "../diagnostics.js";

export type PathSegment = string | number;

export interface ParsedToml {
  file: string;
  value: Record<string, unknown>;
  /** Where the key or element at `path` starts; falls back to the nearest enclosing node. */
  locate(path: readonly PathSegment[]): Location;
  /** Where the value at `path` starts (for multi-line strings: its first content line). */
  locateValue(path: readonly PathSegment[]): Location & { contentLine: number };
}

export type ParseTomlResult = { ok: true; toml: ParsedToml } | { ok: false; error: Location & { message: string } };

interface NodePosition {
  line: number;
  column: number;
  valueLine: number;
  valueColumn: number;
  contentLine: number;
}

const key = (path: readonly PathSegment[]) => path.join("\u0000");

export function parseToml(file: string, source: string): ParseTomlResult {
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(source);
  } catch (error) {
    const e = error as { message: string; lineNumber?: number; column?: number; index?: number };
    return { ok: false, error: { file, ...syntaxErrorPosition(source, e), message: e.message } };
  }
  const positions = new Map<string, NodePosition>();
  const record = (path: readonly PathSegment[], keyNode: AST.TOMLNode, valueNode: AST.TOMLNode) => {
    const text = source.slice(valueNode.range[0], valueNode.range[0] + 4);
    const multiline = /^("""|''')\r?\n/.test(text);
    positions.set(key(path), {
      line: keyNode.loc.start.line,
      column: keyNode.loc.start.column + 1,
      valueLine: valueNode.loc.start.line,
      valueColumn: valueNode.loc.start.column + 1,
      contentLine: valueNode.loc.start.line + (multiline ? 1 : 0),
    });
    indexValue(path, valueNode);
  };
  const indexValue = (path: readonly PathSegment[], node: AST.TOMLNode) => {
    if (node.type === "TOMLArray") {
      for (const [index, element] of node.elements.entries()) record([...path, index], element, element);
    } else if (node.type === "TOMLInlineTable") {
      for (const kv of node.body) record([...path, ...kv.key.keys.map(keyName)], kv, kv.value);
    }
  };
  for (const table of ast.body[0]?.body ?? []) {
    if (table.type === "TOMLKeyValue") {
      record(table.key.keys.map(keyName), table, table.value);
      continue;
    }
    const tablePath = table.resolvedKey;
    positions.set(key(tablePath), {
      line: table.loc.start.line,
      column: 1,
      valueLine: table.loc.start.line,
      valueColumn: 1,
      contentLine: table.loc.start.line,
    });
    for (const kv of table.body) record([...tablePath, ...kv.key.keys.map(keyName)], kv, kv.value);
  }
  const find = (path: readonly PathSegment[]) => {
    for (let n = path.length; n > 0; n -= 1) {
      const found = positions.get(key(path.slice(0, n)));
      if (found) return { found, exact: n === path.length };
    }
    return undefined;
  };
  const toml: ParsedToml = {
    file,
    value: getStaticTOMLValue(ast) as Record<string, unknown>,
    locate(path) {
      const hit = find(path);
      return hit ? { file, line: hit.found.line, column: hit.found.column } : { file, line: 0, column: 0 };
    },
    locateValue(path) {
      const hit = find(path);
      if (!hit) return { file, line: 0, column: 0, contentLine: 0 };
      const p = hit.found;
      return hit.exact
        ? { file, line: p.valueLine, column: p.valueColumn, contentLine: p.contentLine }
        : { file, line: p.line, column: p.column, contentLine: p.line };
    },
  };
  return { ok: true, toml };
}

function keyName(node: AST.TOMLBare | AST.TOMLQuoted): string {
  return node.type === "TOMLBare" ? node.name : node.value;
}

/**
 * The parser reports a missing value at the next token, often the start of the
 * following line; point at the end of the line the operator has to fix.
 */
function syntaxErrorPosition(
  source: string,
  error: { lineNumber?: number; column?: number; index?: number },
): { line: number; column: number } {
  const reported = { line: error.lineNumber ?? 0, column: (error.column ?? 0) + 1 };
  if (error.index === undefined || error.column !== 0) return reported;
  let i = Math.min(error.index, source.length) - 1;
  while (i >= 0 && /\s/.test(source[i] ?? "")) i -= 1;
  if (i < 0) return reported;
  const before = source.slice(0, i + 1);
  const line = before.split("\n").length;
  return { line, column: i + 2 - (before.lastIndexOf("\n") + 1) };
}
