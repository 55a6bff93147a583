// Core API: update records, the history of every action core took.
import { z } from "zod";

export const UpdateStatus = z.enum(["queued", "running", "success", "failed"]);

export const UpdateView = z.object({
  id: z.string(),
  operation: z.string(),
  targetKind: z.string(),
  targetName: z.string(),
  trigger: z.enum(["user", "api_key", "webhook", "poll", "system", "self-heal"]),
  actor: z.string(),
  commit: z.string().nullable(),
  reasons: z.array(z.string()),
  status: UpdateStatus,
  /** The outcome: `{ ok, error?, failures?, steps? }` from an agent, or a sync's deploys. */
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type UpdateView = z.infer<typeof UpdateView>;

/** One streamed event of an update: a step, a log line or the agent's result. */
export const UpdateEventView = z.record(z.string(), z.unknown());

export const UpdateDetailView = UpdateView.extend({ events: z.array(UpdateEventView) });

export const UpdatesQuery = z.object({
  target: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const IdParams = z.object({ id: z.string().min(1).max(128) });
