// Turns observations into alerts: runs each condition's state machine, keeps
// one open alert per condition, records alerts raised inside a server's
// maintenance window as suppressed (kept, not sent), and hands the rest to delivery.
import { type Fleet, ServerConfig } from "@tugboat/config";
import { type ConditionState, INITIAL, type Severity, step } from "./alert-machine.js";
import type { AlertRecord, AlertStore } from "./alert-store.js";
import type { AlertDelivery } from "./delivery.js";
import { activeWindow } from "./maintenance.js";
import type { Observation } from "./rules.js";

const DEFAULT_SETTINGS = ServerConfig.parse({});

export class AlertManager {
  private readonly states = new Map<string, ConditionState>();
  private readonly openAlerts = new Map<string, AlertRecord>();
  private settings = new Map<string, ServerConfig>();
  private readonly fleets = new Map<string, Pick<Fleet, "servers" | "alerters">>();
  private chain = Promise.resolve();
  /** Observations in line to be handled. */
  private waiting = 0;

  constructor(
    private readonly deps: { store: AlertStore; delivery: AlertDelivery; defaultZone?: string; now?: () => Date },
  ) {}

  /** Picks up alerts a previous run left open, so they resolve instead of opening twice. */
  async restore(): Promise<void> {
    for (const alert of await this.deps.store.openAlerts()) {
      this.openAlerts.set(alert.condition, alert);
      this.states.set(alert.condition, { bad: 2, open: alert.severity });
    }
  }

  /** Server thresholds and windows, and alerters, from one sync's fleet (each sync adds its own). */
  configureFleet(sync: string, fleet: Pick<Fleet, "servers" | "alerters">): void {
    // Only what is read here is kept: the fleet's stacks, held here too, were most of core's heap at 5,000.
    this.fleets.set(sync, { servers: fleet.servers, alerters: fleet.alerters });
    const all = [...this.fleets.values()];
    this.settings = new Map(all.flatMap((f) => f.servers.map((s) => [s.name, s.config] as const)));
    this.deps.delivery.setAlerters(all.flatMap((f) => f.alerters.map((a) => ({ name: a.name, config: a.config }))));
  }

  serverSettings(name: string): ServerConfig {
    return this.settings.get(name) ?? DEFAULT_SETTINGS;
  }

  /** The conditions with an open alert whose name starts with `prefix`. */
  openConditions(prefix: string): string[] {
    return [...this.openAlerts.keys()].filter((condition) => condition.startsWith(prefix));
  }

  /**
   * Whether observing that all is well about `condition` would change
   * nothing: no alert open, no bad samples counted, none in line. A caller
   * with thousands of such observations a round need not make them.
   */
  quiet(condition: string): boolean {
    if (this.waiting > 0 || this.openAlerts.has(condition)) return false;
    const state = this.states.get(condition);
    return state === undefined || (state.bad === 0 && state.open === null);
  }

  /** Observations are handled one at a time, in the order they arrive. */
  observe(observation: Observation): Promise<void> {
    // Most observations say all is well about a condition with nothing open and none waiting
    // in line: that only forgets its count of bad samples, done now (a status round at 500
    // servers makes some 18,000 of them).
    if (this.waiting === 0 && observation.severity === null && !observation.ifOpen) {
      const condition = observation.condition;
      if (!this.openAlerts.has(condition) && !this.states.get(condition)?.open) {
        this.states.delete(condition);
        return Promise.resolve();
      }
    }
    this.waiting += 1;
    const next = this.chain
      .then(() => this.handle(observation))
      .finally(() => {
        this.waiting -= 1;
      });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** An open alert takes the observation's message and details (nobody is notified again). */
  private async rewrite(alert: AlertRecord, severity: Severity, observation: Observation): Promise<void> {
    await this.deps.store.update(alert.id, { severity, message: observation.message, details: observation.details });
    this.openAlerts.set(observation.condition, {
      ...alert,
      message: observation.message,
      details: observation.details,
    });
  }

  private async handle(observation: Observation): Promise<void> {
    const { store, delivery } = this.deps;
    if (observation.ifOpen) {
      const open = this.openAlerts.get(observation.condition);
      if (!open || !observation.ifOpen(open)) return;
      await this.rewrite(open, open.severity, observation);
      return;
    }
    const before = this.states.get(observation.condition) ?? INITIAL;
    const { state, transition } = step(before, observation.severity, observation.openAfter);
    this.states.set(observation.condition, state);
    const current = this.openAlerts.get(observation.condition);
    if (transition === "open" && observation.severity) {
      const alert = await store.open({
        condition: observation.condition,
        type: observation.type,
        targetKind: observation.target.kind,
        targetName: observation.target.name,
        severity: observation.severity,
        message: observation.message,
        details: observation.details,
        suppressed: this.inMaintenance(observation.server) || this.inWindow(observation.windows),
      });
      this.openAlerts.set(observation.condition, alert);
      if (!alert.suppressed) await delivery.notify(alert, "open");
    } else if (transition === null && observation.update && current && observation.severity) {
      await this.rewrite(current, observation.severity, observation);
    } else if ((transition === "escalate" || transition === "deescalate") && current && observation.severity) {
      await store.update(current.id, {
        severity: observation.severity,
        message: observation.message,
        details: observation.details,
      });
      const updated = {
        ...current,
        severity: observation.severity,
        message: observation.message,
        details: observation.details,
      };
      this.openAlerts.set(observation.condition, updated);
      if (transition === "escalate" && !current.suppressed) await delivery.notify(updated, "escalate");
    } else if (transition === "resolve" && current) {
      await store.resolve(current.id, observation.message);
      this.openAlerts.delete(observation.condition);
      if (!current.suppressed)
        await delivery.notify({ ...current, status: "resolved", message: observation.message }, "resolve");
    }
  }

  private inWindow(windows: Observation["windows"]): boolean {
    if (!windows || windows.length === 0) return false;
    return activeWindow(windows, this.deps.now?.() ?? new Date(), this.deps.defaultZone) !== undefined;
  }

  /** Whether the server is inside one of its maintenance windows now. */
  inMaintenance(server: string | undefined): boolean {
    if (!server) return false;
    const at = this.deps.now?.() ?? new Date();
    return activeWindow(this.serverSettings(server).maintenance_windows, at, this.deps.defaultZone) !== undefined;
  }
}
