// What has been applied: per resource a config hash, per stack its last
// deployed fingerprint. Core keeps it in its database; `tug plan --state`
// reads it from a JSON file.
import { z } from "zod";

export const FingerprintPartsSchema = z.object({
  server: z.string(),
  projectName: z.string(),
  source: z.string(),
  runDirectory: z.string(),
  inputs: z.record(z.string(), z.object({ oid: z.string(), via: z.string() })),
  environment: z.record(z.string(), z.string()),
  invocation: z.record(z.string(), z.string()),
});

/**
 * The version of fingerprints and state this Tugboat writes. Version 1
 * (before 0.2) kept unkeyed hashes; version 2 hashed a stack's whole run
 * directory, version 3 exactly the files its deploy reads (but none of a
 * stack's files in another repository), version 4 those too.
 */
export const STATE_VERSION = 4;

export const FleetState = z.object({
  version: z.literal(STATE_VERSION),
  commit: z.string().optional(),
  /** `kind/name` → hash of the resource's configuration. */
  resources: z.record(z.string(), z.string()),
  /** Stack name → what was last deployed. */
  stacks: z.record(z.string(), z.object({ fingerprint: z.string(), parts: FingerprintPartsSchema })),
  /**
   * Other repositories stacks read (`url#branch`, no credentials) → the
   * commit last read: a manual deploy, or a restart, reads them there.
   */
  repositories: z.record(z.string(), z.string()).optional(),
});
export type FleetState = z.infer<typeof FleetState>;

export const EMPTY_STATE: FleetState = { version: STATE_VERSION, resources: {}, stacks: {} };

/**
 * What an older Tugboat left: which resources and stacks it had applied, but
 * with fingerprints in a format this version cannot compare. Core rebuilds
 * the state by reading the applied commit again (no surprise redeploys).
 */
export const LegacyFleetState = z.object({
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  commit: z.string().optional(),
  resources: z.record(z.string(), z.string()),
  stacks: z.record(z.string(), z.unknown()),
});
export type LegacyFleetState = z.infer<typeof LegacyFleetState>;
