// A declared uptime check as the agent runs it.
import type { UptimeCheck } from "@tugboat/config";
import type { CheckSpec } from "@tugboat/protocol";

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
