// A stack's fingerprint: a hash of everything its deploy depends on, kept
// with its parts so a plan can say in human terms what changed.
import { createHash } from "node:crypto";
import type { FleetStack } from "../fleet/model.js";

export interface FingerprintParts {
  server: string;
  projectName: string;
  source: string;
  runDirectory: string;
  runDirectoryTree: string;
  /** Files under the run directory → blob id. */
  files: Record<string, string>;
  /** Files outside the run directory → { oid, via }. */
  dependencies: Record<string, { oid: string; via: string }>;
  /** Environment variable → hash of its value (values are never stored). */
  environment: Record<string, string>;
  /** Config fields that change the compose invocation, as canonical JSON. */
  invocation: string;
}

export interface StackFingerprint {
  fingerprint: string;
  parts: FingerprintParts;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Stable JSON: object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function fingerprintStack(stack: FleetStack): StackFingerprint {
  const { config } = stack;
  const parts: FingerprintParts = {
    server: stack.server,
    projectName: stack.projectName,
    source: stack.source.kind === "sync" ? "sync" : `${stack.source.url}#${stack.source.branch}`,
    runDirectory: stack.runDirectory,
    runDirectoryTree: stack.runDirectoryTree,
    files: stack.files,
    dependencies: Object.fromEntries(stack.dependencies.map((d) => [d.path, { oid: d.oid, via: d.via }])),
    environment: Object.fromEntries(stack.environment.map((e) => [e.name, sha256(`${e.name}=${e.value}`)])),
    invocation: canonicalJson({
      composeFiles: stack.composeFiles,
      env_file_path: config.env_file_path,
      additional_env_files: config.additional_env_files,
      extra_args: config.extra_args,
      destroy_before_deploy: config.destroy_before_deploy,
      pre_deploy: config.pre_deploy,
      post_deploy: config.post_deploy,
    }),
  };
  // The hash covers what is deployed, not how it is explained: `via` and the
  // file map (already summarised by the run directory's tree id) stay out.
  const hashed = {
    ...parts,
    files: undefined,
    dependencies: Object.fromEntries(stack.dependencies.map((d) => [d.path, d.oid])),
  };
  return { fingerprint: sha256(canonicalJson(hashed)), parts };
}

/** Why a stack must redeploy, in human terms; empty when nothing changed. */
export function fingerprintReasons(before: FingerprintParts | undefined, after: FingerprintParts): string[] {
  if (!before) return ["new stack"];
  const reasons: string[] = [];
  if (before.server !== after.server) reasons.push(`server changed ${before.server} → ${after.server}`);
  if (before.projectName !== after.projectName)
    reasons.push(`project name changed ${before.projectName} → ${after.projectName}`);
  if (before.source !== after.source) reasons.push(`source repository changed`);
  if (before.runDirectory !== after.runDirectory) {
    reasons.push(`run directory changed ${before.runDirectory || "."} → ${after.runDirectory || "."}`);
  } else if (before.runDirectoryTree !== after.runDirectoryTree) {
    const relative = (path: string) => (after.runDirectory ? path.slice(after.runDirectory.length + 1) : path);
    const changed = new Set([...Object.keys(before.files), ...Object.keys(after.files)]);
    const details: string[] = [];
    for (const path of [...changed].sort()) {
      const was = before.files[path];
      const now = after.files[path];
      if (was === now) continue;
      details.push(`${relative(path)} ${was === undefined ? "added" : now === undefined ? "removed" : "changed"}`);
    }
    reasons.push(...(details.length > 0 ? details : [`files in ${after.runDirectory || "."} changed`]));
  }
  const dependencyPaths = new Set([...Object.keys(before.dependencies), ...Object.keys(after.dependencies)]);
  for (const path of [...dependencyPaths].sort()) {
    const was = before.dependencies[path];
    const now = after.dependencies[path];
    if (was?.oid === now?.oid) continue;
    if (!now) reasons.push(`${path} no longer used`);
    else reasons.push(`${path} ${was ? "changed" : "now used"}, ${now.via}`);
  }
  const names = new Set([...Object.keys(before.environment), ...Object.keys(after.environment)]);
  const changedNames = [...names].filter((name) => before.environment[name] !== after.environment[name]).sort();
  if (changedNames.length > 0) reasons.push(`environment changed: ${changedNames.join(", ")}`);
  if (before.invocation !== after.invocation) {
    const was = JSON.parse(before.invocation) as Record<string, unknown>;
    const now = JSON.parse(after.invocation) as Record<string, unknown>;
    const fields = Object.keys({ ...was, ...now }).filter((k) => canonicalJson(was[k]) !== canonicalJson(now[k]));
    reasons.push(`${fields.map((f) => (f === "composeFiles" ? "file_paths" : f)).join(", ")} changed`);
  }
  return reasons;
}
