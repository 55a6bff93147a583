// Uptime checks on the wire: core names each check and its target; the
// agent runs them on its host and reports what it saw.
import { z } from "zod";

/** One uptime check, as core asks the agent to run it on the host. */
export const CheckSpec = z.object({
  name: z.string().min(1).max(63),
  kind: z.enum(["http", "tcp"]),
  /** `http(s)://IP-or-localhost:port/path` or `IP-or-localhost:port`: the host's or its containers' addresses only. */
  target: z.string().min(1).max(2048),
  /** null: any 2xx or 3xx. */
  expectStatus: z.number().int().nullable().default(null),
  expectBody: z.string().max(1024).default(""),
  timeoutMs: z.number().int().positive().max(60_000).default(5000),
  /** For a deploy gate: the check fails the deploy once it has failed for failures × intervalMs in a row. */
  failures: z.number().int().positive().max(100).default(3),
  intervalMs: z.number().int().positive().default(60_000),
});
export type CheckSpec = z.input<typeof CheckSpec>;
export type CheckSpecParsed = z.output<typeof CheckSpec>;

/** `POST /checks`: run these now. */
export const ChecksRequest = z.object({ checks: z.array(CheckSpec).max(500) });
export type ChecksRequest = z.input<typeof ChecksRequest>;
export type ChecksRequestParsed = z.output<typeof ChecksRequest>;

export const CheckResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  latencyMs: z.number(),
  /** "200 OK", "connected", or why it failed. */
  detail: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;
export const ChecksReply = z.object({ results: z.array(CheckResult) });
