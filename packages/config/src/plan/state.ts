// What has been applied: per resource a config hash, per stack its last
// deployed fingerprint. Core keeps it in its database; `tug plan --state`
// reads it from a JSON file.
import { z } from "zod";

export const FingerprintPartsSchema = z.object({
  server: z.string(),
  projectName: z.string(),
  source: z.string(),
  runDirectory: z.string(),
  runDirectoryTree: z.string(),
  files: z.record(z.string(), z.string()),
  dependencies: z.record(z.string(), z.object({ oid: z.string(), via: z.string() })),
  environment: z.record(z.string(), z.string()),
  invocation: z.string(),
});

export const FleetState = z.object({
  version: z.literal(1),
  commit: z.string().optional(),
  /** `kind/name` → hash of the resource's configuration. */
  resources: z.record(z.string(), z.string()),
  /** Stack name → what was last deployed. */
  stacks: z.record(z.string(), z.object({ fingerprint: z.string(), parts: FingerprintPartsSchema })),
});
export type FleetState = z.infer<typeof FleetState>;

export const EMPTY_STATE: FleetState = { version: 1, resources: {}, stacks: {} };
