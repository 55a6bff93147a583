// When a swarm stack's deploy is done: every service runs its new spec at the
// desired count (one-shot jobs: completed), Docker is not mid-update, and
// healthchecks pass (Swarm only calls a task running once it is healthy). A
// service fails early when Docker rolled its update back or paused it, or
// when tasks of its new spec keep failing.
import type { SwarmServiceStatus, SwarmTaskStatus } from "@tugboat/protocol";

/** Failed tasks of a service's current spec before its deploy counts as failed. */
export const FAILED_TASKS_LIMIT = 3;

export interface SwarmVerdict {
  done: boolean;
  waiting: Array<{ service: string; reason: string }>;
  failing: Array<{ service: string; reason: string }>;
}

const FAILED = new Set(["failed", "rejected"]);

export function evaluateSwarm(
  services: readonly SwarmServiceStatus[],
  tasks: readonly SwarmTaskStatus[],
  ignore: readonly string[] = [],
): SwarmVerdict {
  const verdict: SwarmVerdict = { done: false, waiting: [], failing: [] };
  for (const service of services) {
    if (ignore.includes(service.service)) continue;
    const own = tasks.filter((t) => t.serviceId === service.id);
    const failed = own.filter((t) => t.current && FAILED.has(t.state));
    const lastError = failed[0]?.error || failed[0]?.message || "";
    if (service.updateState.startsWith("rollback") || service.updateState === "paused") {
      verdict.failing.push({
        service: service.service,
        reason: `Docker ${service.updateState.replace("_", " ")} the update${service.updateMessage ? `: ${service.updateMessage}` : ""}`,
      });
      continue;
    }
    if (failed.length >= FAILED_TASKS_LIMIT) {
      verdict.failing.push({
        service: service.service,
        reason: `${failed.length} tasks failed${lastError ? `, the last: ${lastError}` : ""}`,
      });
      continue;
    }
    const job = service.mode.endsWith("-job");
    const have = job ? service.completed : service.running;
    if (service.updateState === "updating" || have < service.desired) {
      const what = job ? "completed" : "running";
      const pending = own.find((t) => t.current && t.desiredState === "running" && t.state !== "running");
      const detail = lastError || (pending ? `${pending.state}${pending.message ? ` (${pending.message})` : ""}` : "");
      verdict.waiting.push({
        service: service.service,
        reason: `${have}/${service.desired} tasks ${what}${service.updateState === "updating" ? ", updating" : ""}${detail ? `: ${detail}` : ""}`,
      });
    }
  }
  verdict.done = verdict.waiting.length === 0 && verdict.failing.length === 0;
  return verdict;
}
