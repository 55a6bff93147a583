// Swarm stacks' state, from what their swarm's manager reported: `running`
// only when every service converged, and StackStateChange while not. Swarm
// reschedules and replaces tasks itself: these stacks are watched, not healed.
import type { SwarmState } from "@tugboat/protocol";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import { swarmStackState } from "../monitor/stack-state.js";
import { unconverged } from "./swarm-alerts.js";

/** The swarm a stack deploys to, from its recorded spec; undefined for a Compose stack. */
export function swarmOf(stack: Pick<StackRow, "spec">): string | undefined {
  const swarm = (stack.spec as { swarm?: unknown } | null)?.swarm;
  return typeof swarm === "string" && swarm !== "" ? swarm : undefined;
}

export async function observeSwarmStacks(
  deps: { stacks: StackStore; alerts: AlertManager },
  swarm: string,
  manager: string,
  state: SwarmState | undefined,
): Promise<void> {
  const stacks = (await deps.stacks.list()).filter((s) => swarmOf(s) === swarm && s.state !== "deploying");
  for (const stack of stacks) {
    const services = state?.services.filter((s) => s.stack === stack.project);
    const next = services ? swarmStackState(services, stack.stopped) : "unknown";
    if (next !== stack.state) await deps.stacks.setState(stack.name, next);
    if (!services || stack.deployedFingerprint === null) continue;
    const problems = stack.stopped ? [] : services.length === 0 ? ["no services are running"] : unconverged(services);
    await deps.alerts.observe({
      condition: `stack:${stack.name}`,
      type: "StackStateChange",
      target: { kind: "stack", name: stack.name },
      server: manager,
      severity: problems.length > 0 ? "critical" : null,
      message:
        problems.length > 0
          ? `${stack.name} (swarm ${swarm}): ${problems.join("; ")}`
          : `${stack.name} (swarm ${swarm}) has converged`,
      details: problems.length > 0 ? { problems } : {},
      openAfter: 2,
    });
  }
}
