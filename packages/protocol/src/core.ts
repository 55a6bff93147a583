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
