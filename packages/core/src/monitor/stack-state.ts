// A stack's state from its containers, as the dashboard shows it.
import type { ContainerStatus, SwarmServiceStatus } from "@tugboat/protocol";
import type { StackState } from "../deploy/stack-store.js";
import { unconverged } from "../swarm/swarm-alerts.js";

export function stackState(containers: readonly ContainerStatus[], stoppedOnPurpose: boolean): StackState {
  if (containers.length === 0) return stoppedOnPurpose ? "stopped" : "down";
  const oneShotDone = (c: ContainerStatus) => c.state === "exited" && c.exitCode === 0;
  if (containers.every((c) => (c.state === "running" && c.health !== "unhealthy") || oneShotDone(c))) {
    return containers.some((c) => c.state === "running") ? "running" : "stopped";
  }
  if (containers.every((c) => c.state === "exited" || c.state === "created")) return "stopped";
  return "unhealthy";
}

/** A swarm stack is running only when every service has converged: its tasks (or completed jobs) as desired. */
export function swarmStackState(services: readonly SwarmServiceStatus[], stoppedOnPurpose: boolean): StackState {
  if (services.length === 0) return stoppedOnPurpose ? "stopped" : "down";
  return unconverged(services).length === 0 ? "running" : "unhealthy";
}
