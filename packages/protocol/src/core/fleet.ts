// Core API: servers, stacks and syncs as core last saw them.
import { z } from "zod";

export const NameParams = z.object({ name: z.string().min(1).max(256) });

export const ServerView = z.object({
  name: z.string(),
  address: z.string(),
  /** inbound: core dials the address; outbound: the agent dials core. */
  connection: z.enum(["inbound", "outbound"]),
  enabled: z.boolean(),
  region: z.string(),
  tags: z.array(z.string()),
  reachable: z.boolean(),
  lastSeen: z.string().nullable(),
  lastError: z.string().nullable(),
  agentVersion: z.string().nullable(),
  /** The agent certificate core trusts; null until one is pinned. */
  fingerprint: z.string().nullable(),
  /** A certificate the agent presented that nobody accepted yet (first contact, or a change). */
  pendingFingerprint: z.string().nullable(),
  /** The sync that declares the server. */
  sync: z.string(),
});
export type ServerView = z.infer<typeof ServerView>;

export const AcceptCertificateRequest = z.object({
  /** The fingerprint you checked on the agent (`tug agent` logs it; GET /health shows it): it must match. */
  fingerprint: z.string().min(1),
});
export const AcceptCertificateView = z.object({ fingerprint: z.string() });

export const StackSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("sync") }),
  z.object({ kind: z.literal("repo"), url: z.string(), branch: z.string(), name: z.string().optional() }),
]);

export const StackSpecView = z.object({
  description: z.string(),
  tags: z.array(z.string()),
  runDirectory: z.string(),
  composeFiles: z.array(z.string()),
  /** `KEY=value` lines, secret values shown as ***. */
  environment: z.string(),
  source: StackSource,
  after: z.array(z.string()),
  /** The [[swarm]] a swarm stack deploys to; "" for a Compose stack. */
  swarm: z.string(),
  /** Self-heal and rollback as they apply to this stack (tugboat.toml's defaults filled in). */
  reconcile: z.object({
    selfHeal: z.boolean(),
    autoRollback: z.boolean(),
    unhealthyRestartAfter: z.number(),
    healBudget: z.number(),
    healWindowMinutes: z.number(),
    deployGate: z.enum(["health", "checks"]),
  }),
});
export type StackSpecView = z.infer<typeof StackSpecView>;

export const StackState = z.enum(["running", "deploying", "unhealthy", "down", "stopped", "unknown"]);

/** One way what a stack runs differs from what Tugboat deployed, for one service. */
export const DriftReason = z.object({
  kind: z.enum(["missing", "not-running", "recreated", "image", "extra"]),
  service: z.string(),
  message: z.string(),
});
export type DriftReason = z.infer<typeof DriftReason>;

/** A fingerprint whose deploy failed: polls and syncs do not try it again; a new push or a person does. */
export const Quarantine = z.object({
  fingerprint: z.string(),
  commit: z.string(),
  reason: z.string(),
  at: z.string(),
  /** The commit the stack was rolled back to, when it was. */
  rolledBackTo: z.string().optional(),
});
export type Quarantine = z.infer<typeof Quarantine>;

export const StackView = z.object({
  name: z.string(),
  server: z.string(),
  sync: z.string(),
  project: z.string(),
  state: StackState,
  stopped: z.boolean(),
  desiredFingerprint: z.string(),
  deployedFingerprint: z.string().nullable(),
  deployedCommit: z.string().nullable(),
  deployedAt: z.string().nullable(),
  spec: StackSpecView,
  updatedAt: z.string(),
  /** How what runs differs from what Tugboat deployed; null when it does not. */
  drift: z.array(DriftReason).nullable(),
  /** Self-heals within the restart budget's window. */
  heals: z.array(z.string()),
  /** Why self-heal waits for a person (the stack was flapping); null when it does not. */
  healHold: z.string().nullable(),
  /** A version whose deploy failed, not retried until a new push or a person deploys it. */
  quarantine: Quarantine.nullable(),
  /** A swarm stack's tasks across its services, as its manager last reported them; null for a Compose stack. */
  replicas: z.object({ running: z.number(), desired: z.number() }).nullable(),
  /** What the caller may do to this stack (its permission level and specific permissions). */
  access: z
    .object({
      level: z.enum(["None", "Read", "Execute", "Write"]),
      execute: z.boolean(),
      logs: z.boolean(),
      terminal: z.boolean(),
    })
    .optional(),
});
export type StackView = z.infer<typeof StackView>;

export const AcceptedResponse = z.object({ updateId: z.string() });

export const DiagnosticView = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number(),
  code: z.string(),
  message: z.string(),
  severity: z.enum(["error", "warning"]).optional(),
  field: z.string().optional(),
});

export const SyncStatus = z.enum(["never", "ok", "invalid", "pending", "failed"]);

export const SyncView = z.object({
  name: z.string(),
  /** Credentials in the URL are shown as ***. */
  repoUrl: z.string(),
  branch: z.string(),
  paths: z.array(z.string()),
  managed: z.boolean(),
  delete: z.boolean(),
  declaredBy: z.string().nullable(),
  headCommit: z.string().nullable(),
  appliedCommit: z.string().nullable(),
  status: SyncStatus,
  errors: z.array(DiagnosticView),
  /** Why the last check failed, when it did (the remote was unreachable, …). */
  lastError: z.string().nullable(),
  checkedAt: z.string().nullable(),
});
export type SyncView = z.infer<typeof SyncView>;

const PlannedStack = z.object({
  stack: z.string(),
  server: z.string(),
  reasons: z.array(z.string()),
  fingerprint: z.string(),
});

export const HeldPlanView = z.object({
  commit: z.string().optional(),
  resources: z.array(z.object({ kind: z.string(), name: z.string(), action: z.enum(["create", "update", "delete"]) })),
  kept: z.array(z.object({ kind: z.string(), name: z.string() })),
  deploys: z.array(PlannedStack.extend({ wave: z.number() })),
  pending: z.array(PlannedStack),
  skipped: z.array(z.object({ stack: z.string(), server: z.string(), reason: z.string() })),
});

export const PlanView = z.object({
  commit: z.string().nullable(),
  status: SyncStatus,
  errors: z.array(DiagnosticView),
  plan: HeldPlanView.nullable(),
});
export type PlanView = z.infer<typeof PlanView>;

export const SyncRunView = z.object({
  updateId: z.string().nullable(),
  status: z.enum(["unchanged", "invalid", "applied", "pending", "failed"]),
  commit: z.string(),
});

export const StackFilesView = z.object({
  commit: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), text: z.string() })),
});

export const LogsQuery = z.object({
  tail: z.coerce.number().int().min(1).max(5000).default(200),
  service: z.string().min(1).max(128).optional(),
  follow: z.enum(["0", "1", "true", "false"]).default("0"),
});

export const LogLineView = z.object({
  service: z.string(),
  container: z.string(),
  stream: z.string(),
  line: z.string(),
});
export type LogLineView = z.infer<typeof LogLineView>;

export const WebhookReply = z.object({ accepted: z.boolean(), reason: z.string().optional() });
