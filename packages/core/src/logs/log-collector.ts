// Collects container logs from every enabled server: one long-poll loop per
// agent (POST /logs/batch), each batch stored with its cursors in one
// transaction before it is acknowledged, then handed on (live tails, pattern
// alerts). A new shipping session (an agent or core restarted) starts from
// the cursors in the store, so nothing is stored twice or skipped. An agent
// too old to ship logs is asked again every five minutes.
import { setTimeout as delay } from "node:timers/promises";
import { LOG_WAIT_LEGACY_MS, LOG_WAIT_MAX_MS, TugError } from "@tugboat/protocol";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import type { LogStore, StoredLine } from "./log-store.js";

const BATCH = 500;
const SUPERVISE_MS = 3_000;
const OLD_AGENT_MS = 5 * 60_000;
/**
 * Each wait is shortened by up to this share, at random: a fleet's long-polls all
 * start with core, and with the same wait they would all end together, every
 * wait, as one burst of requests. Drawn again for each wait, they drift apart.
 */
const WAIT_JITTER = 0.2;

/** The wait to ask for, given the longest the agent accepts and a number in [0, 1). */
export function jitteredWait(acceptedMs: number, random: number): number {
  return Math.round(acceptedMs * (1 - WAIT_JITTER * random));
}

export interface CollectorState {
  server: string;
  /** Containers the agent follows now. */
  following: number;
  /** Followers waiting for core (its buffer is full), and how often that happened this session. */
  paused: number;
  pauses: number;
  lastBatchAt: string | null;
  lastError: string | null;
}

export interface LogCollectorsDeps {
  servers: ServerStore;
  agents: AgentPool;
  store: LogStore;
  /** How far back a container core has no cursor for is shipped from. */
  retentionDays: number;
  /** Lines just stored. */
  onLines: (lines: StoredLine[]) => void;
  log: (line: string) => void;
  /** Draws each wait's jitter; Math.random unless a test pins it. */
  random?: () => number;
}

class ServerCollector {
  readonly state: CollectorState;
  private readonly abort = new AbortController();
  readonly done: Promise<void>;

  constructor(
    private readonly deps: LogCollectorsDeps,
    server: string,
  ) {
    this.state = { server, following: 0, paused: 0, pauses: 0, lastBatchAt: null, lastError: null };
    this.done = this.run();
  }

  stop(): Promise<void> {
    this.abort.abort();
    return this.done;
  }

  private async run(): Promise<void> {
    const { server } = this.state;
    const signal = this.abort.signal;
    let epoch = "";
    let after = 0;
    let backoff = 1_000;
    // An idle host costs a request per wait: as long as the agent says it accepts (30 s if it does not say).
    let acceptedMs = LOG_WAIT_LEGACY_MS;
    const random = this.deps.random ?? Math.random;
    while (!signal.aborted) {
      try {
        const client = await this.deps.agents.client(server);
        if (!client) {
          await delay(SUPERVISE_MS, undefined, { signal });
          continue;
        }
        // A new session starts from the store's cursors; a container without one, from the retention's start.
        const cursors =
          epoch === ""
            ? {
                cursors: await this.deps.store.cursors(server),
                from: new Date(Date.now() - this.deps.retentionDays * 86_400_000).toISOString(),
              }
            : {};
        const waitMs = jitteredWait(acceptedMs, random());
        const batch = await client.logBatch({ epoch, after, waitMs, max: BATCH, ...cursors }, signal);
        acceptedMs = Math.min(LOG_WAIT_MAX_MS, Math.max(LOG_WAIT_LEGACY_MS, batch.longestWaitMs ?? LOG_WAIT_LEGACY_MS));
        if (batch.epoch === "" || batch.epoch !== epoch) after = 0;
        epoch = batch.epoch;
        if (batch.lines.length > 0) {
          const stored = await this.deps.store.append(server, batch.lines);
          after = Math.max(after, ...batch.lines.map((l) => l.seq));
          this.deps.onLines(stored);
        }
        Object.assign(this.state, {
          following: batch.following,
          paused: batch.paused,
          pauses: batch.pauses,
          lastBatchAt: new Date().toISOString(),
          lastError: null,
        });
        backoff = 1_000;
      } catch (error) {
        if (signal.aborted) return;
        const old = error instanceof TugError && error.code === "E_NOT_FOUND";
        const message = old ? "the agent does not ship logs (upgrade it)" : (error as Error).message;
        if (this.state.lastError !== message) this.deps.log(`logs of ${server}: ${message}`);
        this.state.lastError = message;
        // An agent that restarted may be an older one: ask the wait every agent accepts until it says more.
        acceptedMs = LOG_WAIT_LEGACY_MS;
        // Unacknowledged lines are sent again by the same session; a new one starts from the store's cursors.
        await delay(old ? OLD_AGENT_MS : backoff, undefined, { signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }
}

export class LogCollectors {
  private readonly collectors = new Map<string, ServerCollector>();
  private timer: NodeJS.Timeout | undefined;
  private supervising: Promise<void> | undefined;

  constructor(private readonly deps: LogCollectorsDeps) {}

  start(): void {
    const supervise = () => {
      this.supervising ??= this.supervise()
        .catch((error: Error) => this.deps.log(`log collection: ${error.message}`))
        .finally(() => {
          this.supervising = undefined;
        });
    };
    supervise();
    this.timer = setInterval(supervise, SUPERVISE_MS);
    this.timer.unref();
  }

  /** A collector for each enabled server, none for the others. */
  private async supervise(): Promise<void> {
    const enabled = new Set((await this.deps.servers.list()).filter((s) => s.enabled).map((s) => s.name));
    for (const [server, collector] of this.collectors)
      if (!enabled.has(server)) {
        this.collectors.delete(server);
        await collector.stop();
      }
    for (const server of enabled)
      if (!this.collectors.has(server)) this.collectors.set(server, new ServerCollector(this.deps, server));
  }

  states(): CollectorState[] {
    return [...this.collectors.values()].map((c) => ({ ...c.state }));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.supervising;
    await Promise.all([...this.collectors.values()].map((c) => c.stop()));
    this.collectors.clear();
  }
}
