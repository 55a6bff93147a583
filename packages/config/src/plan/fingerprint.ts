// A stack's fingerprint: a hash of everything its deploy depends on, kept
// with its parts so a plan can say in human terms what changed. Values (the
// environment, the invocation's fields, which may hold secrets) appear in the
// parts only as digests: core keys them with its own secret (an HMAC), so
// someone who reads the parts cannot guess a value back.
import { hash } from "node:crypto";
import type { FleetStack } from "../fleet/model.js";

/** Turns a value into its digest; core passes an HMAC keyed with its own key. */
export type ValueDigest = (text: string) => string;

/** For offline `tug plan` (the state file is the user's own): salted, not keyed. */
export const OFFLINE_DIGEST: ValueDigest = (text) => hash("sha256", `tugboat-offline\u0000${text}`, "hex");

export interface FingerprintParts {
  server: string;
  projectName: string;
  source: string;
  runDirectory: string;
  /** What the deploy reads from the repository: path → { Git id, why }. */
  inputs: Record<string, { oid: string; via: string }>;
  /** Environment variable → digest of its value (values are never stored). */
  environment: Record<string, string>;
  /** Config fields that change the compose invocation → digest of each one's value. */
  invocation: Record<string, string>;
}

export interface StackFingerprint {
  fingerprint: string;
  parts: FingerprintParts;
}

const sha256 = (text: string) => hash("sha256", text, "hex");

/**
 * Stable JSON: object keys sorted at every depth (by UTF-16 code units, as
 * `sort()` does). Stored fingerprints are hashes of this text: it must not
 * change from one version to the next.
 */
export function canonicalJson(value: unknown): string {
  return written(value) as string;
}

/** As JSON.stringify: undefined for what JSON has no text for (an array shows it empty, an object "undefined"). */
function written(value: unknown): string | undefined {
  if (typeof value === "string") return quoted(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ",";
      if (i in value) out += written(value[i]) ?? "";
    }
    return `${out}]`;
  }
  const own = Object.keys(value);
  const { keys, prefixes } = isSorted(own) ? { keys: own } : layout(own);
  let out = "{";
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const prefix = prefixes?.[i] ?? `${i > 0 ? "," : ""}${quoted(key)}:`;
    out += `${prefix}${written((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}

/** Text JSON writes between quotes as it is: no quote, backslash, control character or lone surrogate half. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what JSON escapes
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify of a string, without its cost for the text of nearly every key and value. */
function quoted(text: string): string {
  return VERBATIM.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** Already in `sort()` order, as the objects a fingerprint is made of are: written as they are, not remembered. */
function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i += 1) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

interface Layout {
  keys: readonly string[];
  /** `"key":`, with the comma before every one but the first (remembered layouts only). */
  prefixes?: readonly string[];
  /** The keys in the order the object had them (remembered layouts only). */
  own?: readonly string[];
}

/**
 * The sorted keys of an object and their JSON text, remembered by the keys'
 * own order, found by the first key and compared key by key (no text made to
 * look one up): a plan writes thousands of objects of the same few shapes (a
 * stack's config). Forgotten wholesale past a bound, so it never grows.
 */
const layouts = new Map<string, Layout[]>();
let remembered = 0;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function layout(own: string[]): Layout {
  if (own.length < 8) return { keys: sortedInPlace(own) };
  const first = own[0] as string;
  const known = layouts.get(first)?.find((l) => sameKeys(l.own as readonly string[], own));
  if (known) return known;
  if (remembered >= 1000) {
    layouts.clear();
    remembered = 0;
  }
  const made: Layout = { ...laidOut([...own].sort(byCodeUnits)), own };
  layouts.set(first, [...(layouts.get(first) ?? []), made]);
  remembered += 1;
  return made;
}

/** `sort()`'s order for a few distinct keys, without the copy `sort()` makes of every array it sorts. */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j -= 1) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function laidOut(keys: string[]): Layout {
  return { keys, prefixes: keys.map((key, i) => `${i > 0 ? "," : ""}${quoted(key)}:`) };
}

export function fingerprintStack(stack: FleetStack, digest: ValueDigest = OFFLINE_DIGEST): StackFingerprint {
  const { config } = stack;
  const invocation = {
    file_paths: stack.composeFiles,
    env_file_path: config.env_file_path,
    additional_env_files: config.additional_env_files,
    extra_args: config.extra_args,
    destroy_before_deploy: config.destroy_before_deploy,
    pre_deploy: config.pre_deploy,
    post_deploy: config.post_deploy,
  };
  const parts: FingerprintParts = {
    server: stack.server,
    projectName: stack.projectName,
    source: stack.source.kind === "sync" ? "sync" : `${stack.source.url}#${stack.source.branch}`,
    runDirectory: stack.runDirectory,
    inputs: Object.fromEntries(stack.inputs.map((input) => [input.path, { oid: input.oid, via: input.via }])),
    environment: Object.fromEntries(stack.environment.map((e) => [e.name, digest(`env\u0000${e.name}=${e.value}`)])),
    invocation: Object.fromEntries(
      Object.entries(invocation).map(([field, value]) => [
        field,
        digest(`field\u0000${field}=${canonicalJson(value)}`),
      ]),
    ),
  };
  // The hash covers what is deployed, not how it is explained: `via` stays out.
  const hashed = { ...parts, inputs: Object.fromEntries(stack.inputs.map((input) => [input.path, input.oid])) };
  return { fingerprint: sha256(canonicalJson(hashed)), parts };
}

/**
 * The services to recreate even though their Compose configuration is the
 * same: those bind-mounting a single file whose content changed since the
 * deployed parts. (Folders are live in the container: no recreate.)
 */
export function servicesToRecreate(
  before: FingerprintParts | undefined,
  after: FingerprintParts,
  mounts: ReadonlyArray<{ service: string; path: string }>,
): string[] {
  return servicesWithChanged(before, after, mounts);
}

/**
 * The services to build before `up`: those whose build context or Dockerfile
 * changed since the deployed parts (`up -d` keeps an image that exists).
 */
export function servicesToBuild(
  before: FingerprintParts | undefined,
  after: FingerprintParts,
  builds: ReadonlyArray<{ service: string; path: string }>,
): string[] {
  return servicesWithChanged(before, after, builds);
}

function servicesWithChanged(
  before: FingerprintParts | undefined,
  after: FingerprintParts,
  mounts: ReadonlyArray<{ service: string; path: string }>,
): string[] {
  if (!before) return [];
  const oid = (parts: FingerprintParts, path: string) => parts.inputs[path]?.oid;
  const services = mounts.filter(
    (m) => oid(before, m.path) !== undefined && oid(before, m.path) !== oid(after, m.path),
  );
  return [...new Set(services.map((m) => m.service))].sort();
}

/** Why a stack must redeploy, in human terms; empty when nothing changed. */
export function fingerprintReasons(before: FingerprintParts | undefined, after: FingerprintParts): string[] {
  if (!before) return ["new stack"];
  const reasons: string[] = [];
  if (before.server !== after.server) reasons.push(`server changed ${before.server} → ${after.server}`);
  if (before.projectName !== after.projectName)
    reasons.push(`project name changed ${before.projectName} → ${after.projectName}`);
  if (before.source !== after.source) reasons.push(`source repository changed`);
  if (before.runDirectory !== after.runDirectory)
    reasons.push(`run directory changed ${before.runDirectory || "."} → ${after.runDirectory || "."}`);
  // Inside the run directory, paths read relative to it ("compose.yaml changed").
  const inRun = (path: string) =>
    after.runDirectory === ""
      ? path
      : path.startsWith(`${after.runDirectory}/`)
        ? path.slice(after.runDirectory.length + 1)
        : undefined;
  const paths = new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)]);
  for (const path of [...paths].sort()) {
    const was = before.inputs[path];
    const now = after.inputs[path];
    if (was?.oid === now?.oid) continue;
    const short = inRun(path);
    const what = path === after.runDirectory ? `files in ${path || "."}` : (short ?? path);
    if (!now) reasons.push(`${what} no longer used`);
    else if (was)
      reasons.push(
        short !== undefined || path === after.runDirectory ? `${what} changed` : `${what} changed, ${now.via}`,
      );
    else reasons.push(`${what} now used, ${now.via}`);
  }
  const names = new Set([...Object.keys(before.environment), ...Object.keys(after.environment)]);
  const changedNames = [...names].filter((name) => before.environment[name] !== after.environment[name]).sort();
  if (changedNames.length > 0) reasons.push(`environment changed: ${changedNames.join(", ")}`);
  const fields = Object.keys({ ...before.invocation, ...after.invocation }).filter(
    (field) => before.invocation[field] !== after.invocation[field],
  );
  if (fields.length > 0) reasons.push(`${fields.sort().join(", ")} changed`);
  return reasons;
}
