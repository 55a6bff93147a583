// Core's container logs, put together: the log database and store, the
// collectors that pull from every agent, live tails, and retention (by age
// and by size, every minute). Off with TUG_LOGS=false.
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import type { CoreConfig } from "../config/core-config.js";
import type { Background } from "../process/background.js";
import type { SecretMasker } from "../secrets/masker.js";
import { LogCollectors } from "./log-collector.js";
import { openLogDatabase } from "./log-database.js";
import { LogStore, type StoredLine } from "./log-store.js";
import { LogTail } from "./log-tail.js";

const RETENTION_MS = 60_000;

export interface Logs {
  store: LogStore;
  tail: LogTail;
  collectors: LogCollectors;
  /** Deletes what is past the retention age and size now; returns how many lines went. */
  enforceRetention(): Promise<number>;
  close(): Promise<void>;
}

export async function startLogs(deps: {
  config: CoreConfig;
  servers: ServerStore;
  agents: AgentPool;
  masker: SecretMasker;
  log: (line: string) => void;
  background: Background;
  /** Lines just stored, after the live tails got them. */
  onLines?: (lines: StoredLine[]) => void;
}): Promise<Logs> {
  const { config } = deps;
  const database = await openLogDatabase({
    ...(config.database_url ? { url: config.database_url } : {}),
    dataDir: config.data_dir,
  });
  const store = new LogStore(database.db, database.dialect, (text) => deps.masker.mask(text));
  const tail = new LogTail();
  const collectors = new LogCollectors({
    servers: deps.servers,
    agents: deps.agents,
    store,
    retentionDays: config.log_retention_days,
    onLines: (lines) => {
      tail.publish(lines);
      deps.onLines?.(lines);
    },
    log: deps.log,
  });
  const enforceRetention = async () => {
    const byAge = await store.deleteBefore((Date.now() - config.log_retention_days * 86_400_000) * 1000);
    const bySize = await store.trimTo(config.log_max_bytes);
    return byAge + bySize;
  };
  let timer: NodeJS.Timeout | undefined;
  if (config.logs) {
    collectors.start();
    timer = setInterval(() => deps.background("log retention", enforceRetention()), RETENTION_MS);
    timer.unref();
  }
  return {
    store,
    tail,
    collectors,
    enforceRetention,
    async close() {
      if (timer) clearInterval(timer);
      await collectors.stop();
      await database.close();
    },
  };
}
