// Every 15 s (by default): asks each agent for its health, host stats and each
// stack's containers; stores reachability, stack state and a metrics sample,
// and feeds what it saw to the alert rules.
import type { HostStats } from "@tugboat/protocol";
import type { AgentClient } from "../agents/agent-client.js";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerRow, ServerStore } from "../agents/server-store.js";
import type { AlertManager } from "../alerts/alert-manager.js";
import { type RestartHistory, serverObservations, stackObservation } from "../alerts/rules.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import type { MetricStore } from "../metrics/metric-store.js";
import { seriesOf } from "../metrics/series.js";
import { stackState } from "./stack-state.js";

export interface StatusPollerDeps {
  servers: ServerStore;
  stacks: StackStore;
  agents: AgentPool;
  metrics: MetricStore;
  alerts: AlertManager;
  coreVersion: string;
  intervalMs: number;
  log: (line: string) => void;
}

export class StatusPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly restarts = new Map<string, RestartHistory>();
  /** The last stats of each server (for /metrics). */
  readonly latestStats = new Map<string, HostStats>();

  constructor(private readonly deps: StatusPollerDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.pollOnce();
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round over every server; overlapping rounds are skipped. */
  pollOnce(): Promise<void> {
    this.running ??= this.poll()
      .catch((error: Error) => this.deps.log(`status poll failed: ${error.message}`))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async poll(): Promise<void> {
    const stacks = await this.deps.stacks.list();
    await Promise.all(
      // One server's trouble (a database error, a malformed reply) never stops the others' polls.
      (await this.deps.servers.list()).map((server) =>
        this.pollServer(
          server,
          stacks.filter((s) => s.server === server.name && s.state !== "deploying"),
        ).catch((error: Error) => this.deps.log(`status poll of ${server.name} failed: ${error.message}`)),
      ),
    );
  }

  private async pollServer(server: ServerRow, stacks: StackRow[]): Promise<void> {
    const { servers, alerts, metrics } = this.deps;
    const client = await this.deps.agents.client(server.name);
    if (!client) return;
    const settings = alerts.serverSettings(server.name);
    let agentVersion: string | undefined;
    let error: string | undefined;
    try {
      agentVersion = (await client.health()).version;
      await servers.recordContact(server.name, { reachable: true, agentVersion });
    } catch (cause) {
      error = (cause as Error).message;
      await servers.recordContact(server.name, { reachable: false, error });
      for (const stack of stacks) await this.deps.stacks.setState(stack.name, "unknown");
    }
    const reachable = error === undefined;
    let stats: HostStats | undefined;
    if (reachable && settings.stats_monitoring) {
      stats = await client.stats().catch(() => undefined);
      if (stats) {
        this.latestStats.set(server.name, stats);
        await metrics.insertSamples(server.name, [
          { at: Math.floor(Date.parse(stats.at) / 1000), values: seriesOf(stats) },
        ]);
      }
    }
    if (server.enabled) {
      // Read again: the health call above is where a changed certificate gets recorded.
      const pendingFingerprint = (await servers.get(server.name))?.pendingFingerprint ?? null;
      const observations = serverObservations({
        server: server.name,
        settings,
        reachable,
        ...(error === undefined ? {} : { error }),
        agentVersion: agentVersion ?? null,
        coreVersion: this.deps.coreVersion,
        pendingFingerprint,
        ...(stats ? { stats } : {}),
      });
      for (const observation of observations) await alerts.observe(observation);
    }
    if (reachable) await this.pollStacks(client, server, stacks);
  }

  private async pollStacks(client: AgentClient, server: ServerRow, stacks: StackRow[]): Promise<void> {
    for (const stack of stacks) {
      const status = await client.status(stack.name, stack.project).catch(() => undefined);
      const state = status ? stackState(status.containers, stack.stopped) : "unknown";
      if (state !== stack.state) await this.deps.stacks.setState(stack.name, state);
      // A stack never deployed has no containers yet; that is not an outage.
      if (!status || !server.enabled || stack.deployedFingerprint === null) continue;
      const { observation, history } = stackObservation({
        stack: stack.name,
        server: server.name,
        containers: status.containers,
        stoppedOnPurpose: stack.stopped,
        history: this.restarts.get(stack.name) ?? new Map(),
        now: Date.now(),
      });
      this.restarts.set(stack.name, history);
      await this.deps.alerts.observe(observation);
    }
  }
}
