// Alert conditions of a swarm, as pure functions of what its manager reported:
// SwarmNodeDown for each node that is down (resolved when it is back, or gone
// from the swarm), SwarmUnhealthy while services do not run what they should
// or no manager answers.
import type { SwarmConfig } from "@tugboat/config";
import type { SwarmServiceStatus, SwarmState } from "@tugboat/protocol";
import type { Observation } from "../alerts/rules.js";

/** Services that do not run what they should: fewer tasks than desired, or an update Docker rolled back or paused. */
export function unconverged(services: readonly SwarmServiceStatus[]): string[] {
  return services.flatMap((s) => {
    if (s.updateState.startsWith("rollback") || s.updateState === "paused")
      return [`${s.name}: update ${s.updateState.replace("_", " ")}${s.updateMessage ? ` (${s.updateMessage})` : ""}`];
    const job = s.mode.endsWith("-job");
    const have = job ? s.completed : s.running;
    return have < s.desired ? [`${s.name}: ${have}/${s.desired} tasks ${job ? "completed" : "running"}`] : [];
  });
}

export function swarmObservations(input: {
  swarm: string;
  config: SwarmConfig;
  state?: SwarmState;
  /** Why no manager answered. */
  error?: string;
  /** Nodes seen before: one gone from the swarm resolves its alert. */
  knownNodes: readonly string[];
}): Observation[] {
  if (!input.config.send_unhealthy_alerts) return [];
  const target = { kind: "swarm" as const, name: input.swarm };
  const windows = input.config.maintenance_windows;
  const { state } = input;
  const out: Observation[] = [];
  if (state) {
    const seen = new Set(state.nodes.map((n) => n.hostname));
    for (const node of state.nodes) {
      const down = node.status === "down" || node.status === "disconnected";
      out.push({
        condition: `swarm-node:${input.swarm}:${node.hostname}`,
        type: "SwarmNodeDown",
        target,
        severity: down ? "critical" : null,
        message: down
          ? `node ${node.hostname} of swarm ${input.swarm} is ${node.status}${node.message ? `: ${node.message}` : ""}`
          : `node ${node.hostname} of swarm ${input.swarm} is ${node.status} again`,
        details: { node: node.hostname, status: node.status, role: node.role },
        openAfter: 1,
        windows,
      });
    }
    for (const gone of input.knownNodes.filter((n) => !seen.has(n)))
      out.push({
        condition: `swarm-node:${input.swarm}:${gone}`,
        type: "SwarmNodeDown",
        target,
        severity: null,
        message: `node ${gone} left swarm ${input.swarm}`,
        details: { node: gone },
      });
  }
  const problems = state ? unconverged(state.services) : [`no manager answers: ${input.error ?? "unknown error"}`];
  out.push({
    condition: `swarm-unhealthy:${input.swarm}`,
    type: "SwarmUnhealthy",
    target,
    severity: problems.length === 0 ? null : state ? "warning" : "critical",
    message:
      problems.length === 0
        ? `swarm ${input.swarm} runs what it should`
        : `swarm ${input.swarm}: ${problems.join("; ")}`,
    details: problems.length === 0 ? {} : { problems },
    // A deploy or a rescheduling takes a round or two to converge.
    openAfter: 2,
    windows,
  });
  return out;
}
