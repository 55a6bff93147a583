// Core's container logs, put together: the log database and store, the
// collectors that pull from every agent, live tails, pattern alerts, and
// retention (by age and by size, every minute). Off with TUG_LOGS=false.
import { setTimeout as delay } from "node:timers/promises";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { CoreConfig } from "../config/core-config.js";
import type { StackStore } from "../deploy/stack-store.js";
import type { Background } from "../process/background.js";
import type { SecretMasker } from "../secrets/masker.js";
import { LogPatternAlerts } from "./log-alerts.js";
import { LogCollectors } from "./log-collector.js";
import { openLogDatabase } from "./log-database.js";
import { LogStore } from "./log-store.js";
import { LogTail } from "./log-tail.js";

const RETENTION_MS = 60_000;
const SWEEP_MS = 30_000;
const SETTLE_MS = 1_500;
const DEPLOY_LINES = 50;

export interface Logs {
  store: LogStore;
  tail: LogTail;
  collectors: LogCollectors;
  patterns: LogPatternAlerts;
  /** Deletes what is past the retention age and size now; returns how many lines went. */
  enforceRetention(): Promise<number>;
  /** The last lines a stack logged between two times (ISO), for a failed deploy's alert. */
  linesDuring(stack: string, from: string, to: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startLogs(deps: {
  config: CoreConfig;
  servers: ServerStore;
  stacks: StackStore;
  agents: AgentPool;
  alerts: AlertManager;
  masker: SecretMasker;
  log: (line: string) => void;
  background: Background;
}): Promise<Logs> {
  const { config } = deps;
  const database = await openLogDatabase({
    ...(config.database_url ? { url: config.database_url } : {}),
    dataDir: config.data_dir,
  });
  const store = new LogStore(database.db, database.dialect, (text) => deps.masker.mask(text));
  const tail = new LogTail();
  const patterns = new LogPatternAlerts({ alerts: deps.alerts, stacks: () => deps.stacks.list() });
  const collectors = new LogCollectors({
    servers: deps.servers,
    agents: deps.agents,
    store,
    retentionDays: config.log_retention_days,
    onLines: (lines) => {
      tail.publish(lines);
      deps.background("log pattern alerts", patterns.observe(lines));
    },
    log: deps.log,
  });
  const enforceRetention = async () => {
    const byAge = await store.deleteBefore((Date.now() - config.log_retention_days * 86_400_000) * 1000);
    const bySize = await store.trimTo(config.log_max_bytes);
    return byAge + bySize;
  };
  const timers: NodeJS.Timeout[] = [];
  if (config.logs) {
    collectors.start();
    timers.push(setInterval(() => deps.background("log retention", enforceRetention()), RETENTION_MS));
    timers.push(setInterval(() => deps.background("log pattern alerts", patterns.sweep()), SWEEP_MS));
    for (const timer of timers) timer.unref();
  }
  return {
    store,
    tail,
    collectors,
    patterns,
    enforceRetention,
    async linesDuring(stack, from, to) {
      // Shipping runs a moment behind the containers: the last lines of the deploy arrive just after it.
      await delay(SETTLE_MS);
      const { lines } = await store.search(
        { stacks: [stack], since: Date.parse(from) * 1000, until: (Date.parse(to) + SETTLE_MS) * 1000 },
        { limit: DEPLOY_LINES },
      );
      return lines.map((l) => `${l.service}: ${l.line}`);
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      await collectors.stop();
      await database.close();
    },
  };
}
