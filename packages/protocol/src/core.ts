// The core HTTP API: request and reply schemas (OpenAPI is generated from these).
import { z } from "zod";

export const LoginRequest = z.object({ username: z.string().min(1), password: z.string().min(1) });
export type LoginRequest = z.infer<typeof LoginRequest>;
export const LoginResponse = z.object({ token: z.string() });

export const AcceptedResponse = z.object({ updateId: z.string() });

export const ServerView = z.object({
  name: z.string(),
  address: z.string(),
  enabled: z.boolean(),
  region: z.string(),
  tags: z.array(z.string()),
  reachable: z.boolean(),
  lastSeen: z.string().nullable(),
  lastError: z.string().nullable(),
  agentVersion: z.string().nullable(),
  fingerprint: z.string().nullable(),
  pendingFingerprint: z.string().nullable(),
});
export type ServerView = z.infer<typeof ServerView>;

export const StackView = z.object({
  name: z.string(),
  server: z.string(),
  sync: z.string(),
  project: z.string(),
  state: z.enum(["running", "deploying", "unhealthy", "down", "stopped", "unknown"]),
  stopped: z.boolean(),
  desiredFingerprint: z.string(),
  deployedFingerprint: z.string().nullable(),
  deployedCommit: z.string().nullable(),
  deployedAt: z.string().nullable(),
  spec: z.unknown(),
  updatedAt: z.string(),
});
export type StackView = z.infer<typeof StackView>;

export const SyncView = z.object({
  name: z.string(),
  repoUrl: z.string(),
  branch: z.string(),
  paths: z.array(z.string()),
  managed: z.boolean(),
  headCommit: z.string().nullable(),
  appliedCommit: z.string().nullable(),
  status: z.enum(["never", "ok", "invalid", "pending", "failed"]),
  errors: z.array(
    z.object({ file: z.string(), line: z.number(), column: z.number(), code: z.string(), message: z.string() }),
  ),
  pendingPlan: z.unknown(),
  checkedAt: z.string().nullable(),
});
export type SyncView = z.infer<typeof SyncView>;

export const UpdateView = z.object({
  id: z.string(),
  operation: z.string(),
  targetKind: z.string(),
  targetName: z.string(),
  trigger: z.enum(["user", "api_key", "webhook", "poll", "system"]),
  actor: z.string(),
  commit: z.string().nullable(),
  reasons: z.array(z.string()),
  status: z.enum(["queued", "running", "success", "failed"]),
  result: z.unknown(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type UpdateView = z.infer<typeof UpdateView>;

export const AlertView = z.object({
  id: z.string(),
  condition: z.string(),
  type: z.string(),
  targetKind: z.string(),
  targetName: z.string(),
  severity: z.enum(["warning", "critical"]),
  status: z.enum(["open", "resolved"]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  /** Opened inside a maintenance window: recorded, not sent. */
  suppressed: z.boolean(),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

export const DeliveryView = z.object({
  id: z.number(),
  alertId: z.string(),
  alerter: z.string(),
  event: z.enum(["open", "escalate", "resolve", "test"]),
  status: z.enum(["pending", "sent", "failed"]),
  attempts: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

export const AlerterView = z.object({
  name: z.string(),
  type: z.string(),
  enabled: z.boolean(),
  alertTypes: z.array(z.string()),
});
export type AlerterView = z.infer<typeof AlerterView>;

export const StatsQuery = z.object({
  /** Unix seconds or ISO 8601; default: one hour before `to`. */
  from: z.string().optional(),
  /** Unix seconds or ISO 8601; default: now. */
  to: z.string().optional(),
  resolution: z.enum(["auto", "raw", "5m", "1h"]).default("auto"),
  /** Server stats only: "host" (default), "containers" or "all". */
  series: z.enum(["host", "containers", "all"]).default("host"),
});

const Column = z.array(z.number().nullable());
export const StatsView = z.object({
  resolution: z.enum(["raw", "5m", "1h"]),
  timestamps: z.array(z.number()),
  series: z.record(z.string(), z.object({ avg: Column, min: Column.optional(), max: Column.optional() })),
});
export type StatsView = z.infer<typeof StatsView>;

export const MeView = z.object({ username: z.string(), role: z.enum(["viewer", "operator", "admin"]) });
export type MeView = z.infer<typeof MeView>;

const StackCounts = z.partialRecord(StackView.shape.state, z.number());
export const DashboardView = z.object({
  servers: z.array(
    z.object({
      name: z.string(),
      region: z.string(),
      tags: z.array(z.string()),
      enabled: z.boolean(),
      reachable: z.boolean(),
      lastSeen: z.string().nullable(),
      lastError: z.string().nullable(),
      agentVersion: z.string().nullable(),
      /** From the last sample, percent; null before the first. */
      stats: z.object({ cpu: z.number(), memory: z.number().nullable(), disk: z.number().nullable() }).nullable(),
      stacks: StackCounts,
    }),
  ),
  totals: z.object({ servers: z.number(), reachable: z.number(), stacks: z.number(), byState: StackCounts }),
  alerts: z.array(AlertView),
  updates: z.array(UpdateView),
});
export type DashboardView = z.infer<typeof DashboardView>;

export const StackFilesView = z.object({
  commit: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), text: z.string() })),
});

export const LogLineView = z.object({
  service: z.string(),
  container: z.string(),
  stream: z.string(),
  line: z.string(),
});
export type LogLineView = z.infer<typeof LogLineView>;
