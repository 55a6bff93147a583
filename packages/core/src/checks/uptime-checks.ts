// Runs each deployed stack's uptime checks on its server's agent when their
// interval is due (once per status round at most), keeps their history with
// the metrics (`check:<stack>`: `<check>.up` 0/1 and `<check>.ms`), and feeds
// CheckFailed: open after the check's `failures` in a row, resolved on success.
import type { UptimeCheck } from "@tugboat/config";
import type { CheckResult } from "@tugboat/protocol";
import type { AgentClient } from "../agents/agent-client.js";
import type { AlertManager } from "../alerts/alert-manager.js";
import { reconcileSpec } from "../deploy/stack-spec.js";
import type { StackRow } from "../deploy/stack-store.js";
import type { MetricStore } from "../metrics/metric-store.js";
import { checkSpec } from "./check-spec.js";

/** Where a stack's check history is kept in the metrics store. */
export const checkSeriesOwner = (stack: string) => `check:${stack}`;

export interface LastResult extends CheckResult {
  at: string;
}

export class UptimeChecks {
  private readonly lastRun = new Map<string, number>();
  /** The last result of each check, by `stack/check`. */
  readonly latest = new Map<string, LastResult>();
  private readonly unsupported = new Set<string>();

  constructor(
    private readonly deps: {
      metrics: MetricStore;
      alerts: AlertManager;
      log: (line: string) => void;
      now?: () => number;
    },
  ) {}

  /** A check that is no longer run (removed from the repository, or its stack stopped on purpose) resolves. */
  private async resolveUndeclared(stack: StackRow, checks: readonly UptimeCheck[], server: string): Promise<void> {
    const running = new Set(stack.stopped ? [] : checks.map((check) => check.name));
    const prefix = `check:${stack.name}/`;
    for (const condition of this.deps.alerts.openConditions(prefix)) {
      const name = condition.slice(prefix.length);
      if (running.has(name)) continue;
      this.lastRun.delete(`${stack.name}/${name}`);
      this.latest.delete(`${stack.name}/${name}`);
      await this.deps.alerts.observe({
        condition,
        type: "CheckFailed",
        target: { kind: "stack", name: stack.name },
        server,
        severity: null,
        message: `${stack.name}: check ${name} ${stack.stopped ? "is not run while the stack is stopped" : "is no longer declared"}`,
        details: { check: name },
      });
    }
  }

  /** One round for one server's stacks. */
  async run(client: AgentClient, server: string, stacks: readonly StackRow[], signal: AbortSignal): Promise<void> {
    const now = this.deps.now?.() ?? Date.now();
    const due: Array<{ stack: StackRow; check: UptimeCheck }> = [];
    for (const stack of stacks) {
      const { checks } = reconcileSpec(stack.spec);
      await this.resolveUndeclared(stack, checks, server);
      if (stack.deployedFingerprint === null || stack.stopped || stack.state === "deploying") continue;
      for (const check of checks) {
        const last = this.lastRun.get(`${stack.name}/${check.name}`) ?? 0;
        // A second of slack: rounds are not exactly an interval apart.
        if (now - last >= check.intervalSeconds * 1000 - 1000) due.push({ stack, check });
      }
    }
    if (due.length === 0) return;
    let results: CheckResult[];
    try {
      results = await client.checks({ checks: due.map(({ check }) => checkSpec(check)) }, signal);
    } catch (error) {
      // An agent older than checks: said once, not every round.
      if (!this.unsupported.has(server))
        this.deps.log(`uptime checks on ${server} failed: ${(error as Error).message}`);
      this.unsupported.add(server);
      return;
    }
    this.unsupported.delete(server);
    const samples = new Map<string, Record<string, number>>();
    for (const [index, { stack, check }] of due.entries()) {
      const result = results[index];
      if (!result) continue;
      const key = `${stack.name}/${check.name}`;
      this.lastRun.set(key, now);
      this.latest.set(key, { ...result, at: new Date(now).toISOString() });
      const values = samples.get(stack.name) ?? {};
      values[`${check.name}.up`] = result.ok ? 1 : 0;
      if (result.ok) values[`${check.name}.ms`] = result.latencyMs;
      samples.set(stack.name, values);
      await this.deps.alerts.observe({
        condition: `check:${key}`,
        type: "CheckFailed",
        target: { kind: "stack", name: stack.name },
        server,
        severity: result.ok ? null : "critical",
        message: result.ok
          ? `${stack.name}: check ${check.name} passes again (${result.detail})`
          : `${stack.name}: check ${check.name} (${check.target}) fails: ${result.detail}`,
        details: { check: check.name, target: check.target, detail: result.detail },
        openAfter: check.failures,
      });
    }
    const at = Math.floor(now / 1000);
    await this.deps.metrics.insertMany(
      [...samples].map(([stack, values]) => ({ server: checkSeriesOwner(stack), sample: { at, values } })),
    );
  }
}
