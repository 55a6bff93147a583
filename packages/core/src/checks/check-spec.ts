// A declared uptime check as the agent runs it; and the checks a sync stored
// in a stack's spec (an older core stored none).
import type { UptimeCheck } from "@tugboat/config";
import type { CheckSpec } from "@tugboat/protocol";
import { z } from "zod";

export function checkSpec(check: UptimeCheck): CheckSpec {
  return {
    name: check.name,
    kind: check.kind,
    target: check.target,
    expectStatus: check.expectStatus,
    expectBody: check.expectBody,
    timeoutMs: check.timeoutSeconds * 1000,
    failures: check.failures,
    intervalMs: check.intervalSeconds * 1000,
  };
}

const StoredCheck = z.object({
  name: z.string(),
  service: z.string().optional(),
  kind: z.enum(["http", "tcp"]),
  target: z.string(),
  intervalSeconds: z.number(),
  expectStatus: z.number().nullable(),
  expectBody: z.string(),
  failures: z.number(),
  timeoutSeconds: z.number(),
});

export function storedChecks(spec: unknown): UptimeCheck[] {
  const checks = (spec as { checks?: unknown } | null)?.checks;
  return z.array(StoredCheck).safeParse(checks ?? []).data ?? [];
}
