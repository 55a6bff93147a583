// Every 15 s (by default): asks each agent for its health, host stats and each
// stack's containers (one request, ask-agent.ts); stores reachability, stack
// state and a metrics sample, and feeds what it saw to the alert rules and the
// reconciler (drift, heals). Each server is polled on its own, at its own spot
// in the interval: one that hangs (every request has a deadline) delays
// nobody else, and is not polled twice at once.
import { createHash } from "node:crypto";
import type { HostStats, StackStatus } from "@tugboat/protocol";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerRow, ServerStore } from "../agents/server-store.js";
import type { AlertManager } from "../alerts/alert-manager.js";
import { type Observation, type RestartHistory, serverObservations, stackObservation } from "../alerts/rules.js";
import type { UptimeChecks } from "../checks/uptime-checks.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import type { MetricStore } from "../metrics/metric-store.js";
import { SampleBatcher } from "../metrics/sample-batcher.js";
import { seriesOf } from "../metrics/series.js";
import type { Reconciler } from "../reconcile/reconciler.js";
import { swarmOf } from "../swarm/swarm-stacks.js";
import { askAgent, type OlderAgents, type TaggedStatuses } from "./ask-agent.js";
import { stackState } from "./stack-state.js";

export interface StatusPollerDeps {
  servers: ServerStore;
  stacks: StackStore;
  agents: AgentPool;
  metrics: MetricStore;
  alerts: AlertManager;
  /** Drift and self-heal, judged from each deployed stack's status. */
  reconciler: Reconciler;
  checks: UptimeChecks;
  coreVersion: string;
  intervalMs: number;
  log: (line: string) => void;
}

/**
 * Servers whose spots fall in the same SPOT_MS are polled together, in one
 * wake of the event loop. Measured on a 2-core VM (bench/NOTES.md), a client
 * woken for each request alone spent about twice the CPU per request of one
 * woken for ten; at 500 servers a spot holds about nine.
 */
const SPOT_MS = 250;

/** Where in each round a server is polled: a stable spot in the first 90 % of the interval, on a SPOT_MS grid. */
export function offsetOf(server: string, intervalMs: number): number {
  const at = (createHash("sha256").update(server).digest().readUInt32BE(0) / 2 ** 32) * intervalMs * 0.9;
  return Math.floor(at / SPOT_MS) * SPOT_MS;
}

export class StatusPoller {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** This round's polls waiting for their server's offset. */
  private readonly spreadTimers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private readonly restarts = new Map<string, RestartHistory>();
  private readonly olderAgents: OlderAgents = new Map();
  /** By server: the statuses its agent tagged last round (only changed ones are sent again). */
  private readonly held = new Map<string, TaggedStatuses>();
  /** The last stats of each server (for /metrics). */
  readonly latestStats = new Map<string, HostStats>();
  private readonly samples: SampleBatcher;

  constructor(private readonly deps: StatusPollerDeps) {
    this.samples = new SampleBatcher(deps.metrics, deps.log);
  }

  /**
   * Polls every server once per interval, each at its own offset into the
   * interval (from its name: the same every round). All at once, a round of
   * 500 servers kept core's event loop busy for a second, and every API
   * request that arrived then waited for it.
   */
  start(): void {
    const spread = () => {
      this.deps.servers.list().then(
        (servers) => {
          this.forgetGone(servers);
          for (const server of servers) {
            const timer = setTimeout(
              () => {
                this.spreadTimers.delete(timer);
                this.pollIdle(server).catch(() => undefined);
              },
              offsetOf(server.name, this.deps.intervalMs),
            );
            timer.unref();
            this.spreadTimers.add(timer);
          }
        },
        (error: Error) => this.deps.log(`status poll failed: ${error.message}`),
      );
    };
    this.timer = setInterval(spread, this.deps.intervalMs);
    this.timer.unref();
  }

  /** Stops the timers and cuts off the polls in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const timer of this.spreadTimers) clearTimeout(timer);
    this.abort.abort();
    await Promise.allSettled(this.inFlight.values());
    await this.samples.flush();
  }

  /** One round now: each server not being polled already is polled; resolves when they all end. */
  async pollOnce(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const servers = await this.deps.servers.list();
    this.forgetGone(servers);
    await Promise.all(servers.map((server) => this.pollIdle(server)));
    await this.samples.flush();
  }

  private forgetGone(servers: readonly ServerRow[]) {
    const names = new Set(servers.map((s) => s.name));
    for (const name of this.held.keys()) if (!names.has(name)) this.held.delete(name);
  }

  /** Polls the server unless a poll of it is running (then waits for that one). */
  private pollIdle(server: ServerRow): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    const running = this.inFlight.get(server.name);
    if (running !== undefined) return running;
    // One server's trouble (a database error, a malformed reply) never stops the others' polls.
    const poll = this.pollServer(server)
      .catch((error: Error) => this.deps.log(`status poll of ${server.name} failed: ${error.message}`))
      .finally(() => this.inFlight.delete(server.name));
    this.inFlight.set(server.name, poll);
    return poll;
  }

  private async pollServer(server: ServerRow): Promise<void> {
    const { servers, alerts } = this.deps;
    const client = await this.deps.agents.client(server.name);
    if (!client) return;
    // The server's stacks, read before anything is asked of its agent: each status is judged
    // against this row, unless an action on the stack ran since (Reconciler.observe).
    // Swarm stacks are watched through their swarm's manager (Swarms), whichever answers.
    const readAt = this.deps.reconciler.clock();
    const stacks = (await this.deps.stacks.listOn(server.name)).filter((s) => s.state !== "deploying" && !swarmOf(s));
    const settings = alerts.serverSettings(server.name);
    const answers = await askAgent(client, {
      server: server.name,
      stacks,
      stats: settings.stats_monitoring,
      signal: this.abort.signal,
      older: this.olderAgents,
      ...(this.held.has(server.name) ? { held: this.held.get(server.name) } : {}),
    });
    this.held.set(server.name, answers.tagged);
    const { error, agentVersion, stats } = answers;
    const reachable = error === undefined;
    if (reachable)
      await servers.recordContact(server.name, { reachable: true, ...(agentVersion ? { agentVersion } : {}) });
    else {
      await servers.recordContact(server.name, { reachable: false, error });
      for (const stack of stacks) await this.deps.stacks.setState(stack.name, "unknown");
    }
    if (stats) {
      this.latestStats.set(server.name, stats);
      this.samples.add(server.name, { at: Math.floor(Date.parse(stats.at) / 1000), values: seriesOf(stats) });
    }
    if (server.enabled) {
      // Read again: asking the agent is where a changed certificate gets recorded.
      const current = await servers.get(server.name);
      const pendingFingerprint = current?.pendingFingerprint ?? null;
      const observations = serverObservations({
        server: server.name,
        settings,
        reachable,
        ...(error === undefined ? {} : { error }),
        agentVersion: agentVersion ?? null,
        coreVersion: this.deps.coreVersion,
        pendingFingerprint,
        trustedFingerprint: current?.fingerprint ?? null,
        ...(stats ? { stats } : {}),
      });
      for (const observation of observations) await this.say(observation);
    }
    if (!reachable) return;
    await this.judgeStacks(server, stacks, answers.statuses, readAt);
    if (server.enabled) await this.deps.checks.run(client, server.name, stacks, this.abort.signal);
  }

  /** An observation, unless it says all is well about a condition with nothing to resolve (most, most rounds). */
  private async say(observation: Observation): Promise<void> {
    if (observation.severity === null && this.deps.alerts.quiet(observation.condition)) return;
    await this.deps.alerts.observe(observation);
  }

  private async judgeStacks(
    server: ServerRow,
    stacks: StackRow[],
    statuses: Map<string, StackStatus>,
    readAt: number,
  ): Promise<void> {
    for (const stack of stacks) {
      const status = statuses.get(stack.name);
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
      await this.say(observation);
      await this.deps.reconciler.observe(stack, status, readAt);
    }
  }
}
