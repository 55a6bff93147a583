// A stack's uptime checks as the stack page shows them: each check's last
// result and uptime over 24 h / 7 d / 30 d, and the latency of the last 24 h.
import { z } from "zod";

export const CheckView = z.object({
  name: z.string(),
  service: z.string().optional(),
  kind: z.enum(["http", "tcp"]),
  target: z.string(),
  intervalSeconds: z.number(),
  failures: z.number(),
  last: z.object({ ok: z.boolean(), latencyMs: z.number(), detail: z.string(), at: z.string() }).nullable(),
  /** Percent of checks that passed; null when none ran in the range. */
  uptime: z.object({ day: z.number().nullable(), week: z.number().nullable(), month: z.number().nullable() }),
});
export type CheckView = z.infer<typeof CheckView>;

export const StackChecksView = z.object({
  checks: z.array(CheckView),
  /** Latency of passing checks over the last 24 h: unix seconds, and per check one value (ms) or null per point. */
  latency: z.object({ timestamps: z.array(z.number()), series: z.record(z.string(), z.array(z.number().nullable())) }),
});
export type StackChecksView = z.infer<typeof StackChecksView>;
