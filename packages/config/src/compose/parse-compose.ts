// Reads a compose file with positions kept, and checks it against the
// Compose Specification's JSON schema (vendored in ../../schema).
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { load as loadYaml } from "js-yaml";
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { Diagnostics, Location } from "../diagnostics.js";
import { tooLarge } from "../file-size.js";
import { didYouMean } from "../fleet/suggest.js";

export type YamlPath = Array<string | number>;

export interface ComposeDocument {
  file: string;
  value: Record<string, unknown>;
  locate(path: YamlPath, options?: { key?: boolean }): Location;
  /** The line of a service's `image:`, found in the text (no positional parse). */
  imageLine(service: string, image: string): number | undefined;
}

let validator: ValidateFunction | undefined;

function composeValidator(): ValidateFunction {
  if (!validator) {
    const schema = createRequire(import.meta.url)("../../schema/compose-spec.json") as Record<string, unknown>;
    // The schema names its draft by an https URL Ajv does not know; it is a draft-07 schema.
    // Its definitions are shared by many places: kept as functions (not inlined) and the code
    // not optimised, it compiles in a third of the time (bench/plan.ts) and validates as fast.
    const ajv = new Ajv({
      allErrors: true,
      strict: false,
      verbose: true,
      validateSchema: false,
      inlineRefs: false,
      code: { optimize: false },
    });
    validator = ajv.compile(schema);
  }
  return validator;
}

/**
 * Parses one compose file; problems go to `diagnostics`.
 * Values come from js-yaml, which is several times faster than a
 * position-keeping parse; the positional parse (yaml's Document) is built
 * only when a problem needs a line number.
 */
export function parseCompose(file: string, text: string, diagnostics: Diagnostics): ComposeDocument | undefined {
  if (tooLarge(file, text, diagnostics)) return undefined;
  let value: unknown;
  try {
    value = loadYaml(text, { filename: file });
  } catch (error) {
    // js-yaml says where (duplicate keys included): no second, slower parse for the position.
    const { reason, mark } = error as { reason?: string; mark?: { line: number; column: number } };
    diagnostics.error("E_COMPOSE_YAML", `YAML syntax error: ${reason ?? "invalid YAML"}`, {
      file,
      line: (mark?.line ?? 0) + 1,
      column: (mark?.column ?? 0) + 1,
    });
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    diagnostics.error("E_COMPOSE_SCHEMA", "a compose file must be a mapping with a `services` key", {
      file,
      line: 1,
      column: 1,
    });
    return undefined;
  }
  let cached: ReturnType<typeof positional> | undefined;
  const locate = (path: YamlPath, options: { key?: boolean } = {}): Location => {
    cached ??= positional(file, text);
    const { doc, at } = cached;
    for (let n = path.length; n >= 0; n -= 1) {
      const prefix = path.slice(0, n);
      if (options.key && n === path.length && n > 0) {
        const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === prefix[prefix.length - 1]);
          const range = (pair?.key as Node | undefined)?.range;
          if (range) return at(range[0]);
        }
      }
      const node = (n === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
      if (node?.range) return at(node.range[0]);
    }
    return { file, line: 1, column: 1 };
  };
  let lines: string[] | undefined;
  const imageLine = (service: string, image: string) => {
    lines ??= text.split("\n");
    return findImageLine(lines, service, image);
  };
  return { file, value: value as Record<string, unknown>, locate, imageLine };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The line of `image: <image>` for a service: the first after the service's
 * key under `services:`, else the first anywhere (an anchor the service
 * merges). A text scan: the positional parse is kept for errors, it is slow.
 */
function findImageLine(lines: readonly string[], service: string, image: string): number | undefined {
  const value = new RegExp(`^\\s*image\\s*:\\s*["']?${escapeRegExp(image)}["']?\\s*(#.*)?$`);
  const key = new RegExp(`^\\s+["']?${escapeRegExp(service)}["']?\\s*:`);
  const services = lines.findIndex((line) => /^services\s*:/.test(line));
  const start = lines.findIndex((line, index) => index > services && key.test(line));
  const after = start < 0 ? -1 : lines.findIndex((line, index) => index > start && value.test(line));
  const found = after >= 0 ? after : lines.findIndex((line) => value.test(line));
  return found >= 0 ? found + 1 : undefined;
}

function positional(file: string, text: string) {
  const lineCounter = new LineCounter();
  // Only for positions of a document js-yaml already accepted (duplicate keys are rejected there):
  // yaml's duplicate-key check is quadratic in the size of a mapping, so it stays off.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const at = (offset: number): Location => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  return { doc, at };
}

/**
 * Checks a compose file against the Compose Specification. With `service`,
 * only that service (a file another one `extends` is a fragment: Compose
 * merges the one service and never reads the rest).
 */
export function checkComposeSchema(compose: ComposeDocument, diagnostics: Diagnostics, service?: string) {
  const validate = composeValidator();
  const services = compose.value.services;
  const checked =
    service === undefined
      ? compose.value
      : { services: { [service]: (services as Record<string, unknown> | undefined)?.[service] } };
  if (validate(checked)) return;
  // oneOf/anyOf failures repeat what their branches said; report one problem per place.
  const seen = new Set<string>();
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf");
  const fallback = (validate.errors ?? []).filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  for (const error of errors.length > 0 ? errors : fallback) {
    const path = error.instancePath
      .split("/")
      .slice(1)
      .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const place = path.join(".") || "(top level)";
    const { message, keyPath } = describe(error, path, place);
    const dedupe = `${place}|${message.startsWith("unknown key") ? message : "value"}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    diagnostics.error(
      "E_COMPOSE_SCHEMA",
      message,
      compose.locate(keyPath ?? path, { key: keyPath !== undefined }),
      place,
    );
  }
}

function describe(error: ErrorObject, path: YamlPath, place: string): { message: string; keyPath?: YamlPath } {
  if (error.keyword === "additionalProperties") {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const where = path.length > 0 ? ` in ${place}` : "";
    return { message: `unknown key "${key}"${where}${didYouMean(key, known)}`, keyPath: [...path, key] };
  }
  if (error.keyword === "type") {
    return { message: `${place} must be ${(error.params as { type: string }).type}` };
  }
  if (error.keyword === "enum") {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String).join(", ");
    return { message: `${place} must be one of: ${allowed}` };
  }
  if (error.keyword === "required") {
    return { message: `${place} needs "${(error.params as { missingProperty: string }).missingProperty}"` };
  }
  if (error.keyword === "oneOf" || error.keyword === "anyOf") return { message: `${place} has an invalid value` };
  return { message: `${place} ${error.message ?? "is invalid"}` };
}
