// Every status round, for each deployed stack: what drifted from the deployed
// version (stored, alerted), and whether to heal it now; a stack that keeps
// needing heals is held for a person (alerted as flapping). The decisions are
// the pure functions next to this file; here they meet the stores.
import type { StackStatus } from "@tugboat/protocol";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { Deployer } from "../deploy/deployer.js";
import { reconcileSpec } from "../deploy/stack-spec.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import { deployedServices, detectDrift } from "./drift.js";
import { decideHeal, recentHeals } from "./heal.js";

export interface ReconcilerDeps {
  stacks: StackStore;
  alerts: AlertManager;
  deployer: Deployer;
  log: (line: string) => void;
  now?: () => number;
}

export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /** A reading to pass to observe() for rows read after it (Deployer.clock). */
  clock(): number {
    return this.deps.deployer.clock();
  }

  /**
   * One deployed stack's status from this round (its server is enabled),
   * judged against the stack's row as read after `readAt` (a Deployer.clock()
   * reading taken before the read began). Not judged when an action on the
   * stack ran or ended since: that would compare the containers before a
   * deploy with the version after it, or the containers after it with the
   * version before.
   */
  async observe(stack: StackRow, status: StackStatus, readAt: number): Promise<void> {
    const { stacks, alerts, deployer } = this.deps;
    if (deployer.busy(stack.name) || (deployer.endedAt(stack.name) ?? 0) > readAt) return;
    if (stack.state === "deploying" || stack.deployedFingerprint === null) return;
    if (stack.deployedServices === null && stack.state === "running" && status.commit === stack.deployedCommit) {
      // Deployed by a core that recorded no baseline (an upgrade): what runs as deployed becomes it.
      await stacks.setDeployedServices(stack.name, deployedServices(status.containers));
      return;
    }
    const { reconcile, ignoreServices } = reconcileSpec(stack.spec);
    const deployed = stack.deployedServices;
    const drift =
      deployed && !stack.stopped ? detectDrift({ deployed, containers: status.containers, ignoreServices }) : [];
    if (JSON.stringify(drift) !== JSON.stringify(stack.drift ?? [])) await stacks.setDrift(stack.name, drift);
    const base = { target: { kind: "stack" as const, name: stack.name }, server: stack.server, openAfter: 1 };
    // A container that exited, died or restarts is StackStateChange's alert already: not raised twice.
    const alerted = drift.filter((d) => d.kind !== "not-running");
    const driftCondition = `drift:${stack.name}`;
    // All well with nothing to resolve (most stacks, most rounds): nothing to say.
    if (alerted.length > 0 || !alerts.quiet(driftCondition))
      await alerts.observe({
        ...base,
        condition: driftCondition,
        type: "StackDrifted",
        severity: alerted.length > 0 ? "warning" : null,
        message:
          alerted.length > 0
            ? `${stack.name} on ${stack.server} drifted from what Tugboat deployed: ${alerted.map((d) => d.message).join("; ")}`
            : `${stack.name} runs as deployed`,
        details: alerted.length > 0 ? { drift: alerted } : {},
      });
    const now = this.deps.now?.() ?? Date.now();
    const decision = decideHeal({
      settings: reconcile,
      drift,
      containers: status.containers,
      heals: stack.heals,
      now,
      held: stack.healHold !== null,
      stoppedOnPurpose: stack.stopped,
      inMaintenance: alerts.inMaintenance(stack.server),
      busy: deployer.busy(stack.name),
    });
    let hold = stack.healHold;
    if (decision.action === "hold") {
      hold = decision.reason;
      await stacks.setHeals(stack.name, recentHeals(stack.heals, reconcile, now), hold);
      this.deps.log(`${stack.name}: ${hold}`);
    } else if (decision.action !== "none") {
      await stacks.setHeals(stack.name, [...recentHeals(stack.heals, reconcile, now), now], null);
      const action =
        decision.action === "redeploy"
          ? { kind: "redeploy" as const }
          : { kind: "restart" as const, services: decision.services };
      await deployer.heal(stack, action, `self-heal: ${decision.reason}`);
    }
    const flappingCondition = `flapping:${stack.name}`;
    if (hold || !alerts.quiet(flappingCondition))
      await alerts.observe({
        ...base,
        condition: flappingCondition,
        type: "StackFlapping",
        severity: hold ? "critical" : null,
        message: hold ? `${stack.name} on ${stack.server}: ${hold}` : `${stack.name} is no longer held for a person`,
        details: {},
      });
  }
}
