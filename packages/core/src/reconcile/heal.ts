// Whether to heal a stack now, and how: a pure function of its settings,
// drift, containers and recent heals. A stack that keeps needing heals is
// flapping: it is held for a person instead of healed again.
import type { StackReconcile } from "@tugboat/config";
import type { ContainerStatus, DriftReason } from "@tugboat/protocol";

export type HealDecision =
  | { action: "none" }
  | { action: "redeploy"; reason: string }
  | { action: "restart"; services: string[]; reason: string }
  /** The budget is spent: hold heals for a person. */
  | { action: "hold"; reason: string };

export type HealSettings = Pick<
  StackReconcile,
  "self_heal" | "unhealthy_restart_after" | "heal_budget" | "heal_window_minutes"
>;

/** The heals still inside the budget's window. */
export function recentHeals(heals: readonly number[], settings: HealSettings, now: number): number[] {
  return heals.filter((at) => now - at < settings.heal_window_minutes * 60_000);
}

export function decideHeal(input: {
  settings: HealSettings;
  drift: readonly DriftReason[];
  containers: readonly ContainerStatus[];
  /** When earlier heals ran (ms). */
  heals: readonly number[];
  now: number;
  /** Held for a person already (flapping). */
  held: boolean;
  stoppedOnPurpose: boolean;
  inMaintenance: boolean;
  /** A deploy or another action on the stack is queued or running. */
  busy: boolean;
}): HealDecision {
  const { settings } = input;
  if (!settings.self_heal || input.held || input.stoppedOnPurpose || input.inMaintenance || input.busy)
    return { action: "none" };
  const after = settings.unhealthy_restart_after;
  const unhealthy =
    after > 0
      ? input.containers.filter(
          (c) => !c.skip && c.state === "running" && c.health === "unhealthy" && c.failingStreak >= after,
        )
      : [];
  let decision: HealDecision = { action: "none" };
  if (input.drift.length > 0)
    decision = { action: "redeploy", reason: `drifted: ${input.drift.map((d) => d.message).join("; ")}` };
  else if (unhealthy.length > 0) {
    const services = [...new Set(unhealthy.map((c) => c.service))].sort();
    decision = {
      action: "restart",
      services,
      reason: `${services.join(", ")} failed ${after} healthchecks in a row`,
    };
  }
  if (decision.action === "none") return decision;
  const recent = recentHeals(input.heals, settings, input.now);
  if (recent.length >= settings.heal_budget)
    return {
      action: "hold",
      reason: `flapping: ${recent.length} heals in ${settings.heal_window_minutes} minutes and it still needs one (${decision.reason}); self-heal is held until someone deploys, starts or restarts it`,
    };
  return decision;
}
