// Prometheus exposition for /metrics: fleet, server and stack gauges read at
// scrape time, and deploy counters and durations counted as updates finish.
import type { HostStats } from "@tugboat/protocol";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ServerStore } from "../agents/server-store.js";
import type { AlertStore } from "../alerts/alert-store.js";
import type { StackStore } from "../deploy/stack-store.js";
import type { ImageStore } from "../images/image-store.js";
import type { SyncStore } from "../sync/sync-store.js";
import type { UpdateRecord } from "../updates/update-store.js";
import type { StatusPoller } from "./status-poller.js";

const STACK_STATES = ["running", "deploying", "unhealthy", "down", "stopped", "unknown"] as const;

/** What /metrics answers with. */
export interface Exposition {
  contentType: string;
  metrics(): Promise<string>;
}

export function prometheusRegistry(deps: {
  servers: ServerStore;
  stacks: StackStore;
  syncs: SyncStore;
  alerts: AlertStore;
  poller: StatusPoller;
  images: ImageStore;
  version: string;
}): { registry: Registry; exposition: Exposition; onUpdateFinished: (update: UpdateRecord) => void } {
  const registry = new Registry();
  /** Gauges made afresh at each scrape, one label set per stack: emptied once written, not kept between scrapes. */
  const perStack: Gauge[] = [];
  let scrapes = 0;
  /** Every stack, read once per scrape for the three gauges that list them (at 5,000 stacks each read is costly). */
  let scrapeStacks: ReturnType<StackStore["list"]> | undefined;
  const stacks = () => {
    if (scrapes === 0) return deps.stacks.list();
    scrapeStacks ??= deps.stacks.list();
    return scrapeStacks;
  };
  new Gauge({ name: "tug_info", help: "Tugboat core version", labelNames: ["version"], registers: [registry] })
    .labels(deps.version)
    .set(1);

  new Gauge({
    name: "tug_server_up",
    help: "1 when the server's agent answered the last poll",
    labelNames: ["server", "region"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const server of await deps.servers.list())
        this.labels(server.name, server.region).set(server.reachable ? 1 : 0);
    },
  });
  const hostGauge = (name: string, help: string, value: (stats: HostStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["server"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [server, stats] of deps.poller.latestStats) this.labels(server).set(value(stats));
      },
    });
  hostGauge("tug_server_cpu_percent", "Host CPU use, percent", (s) => s.cpuPercent);
  hostGauge("tug_server_load1", "Host load average over 1 minute", (s) => s.load[0]);
  hostGauge("tug_server_memory_used_bytes", "Host memory in use", (s) => s.memory.usedBytes);
  hostGauge("tug_server_memory_total_bytes", "Host memory", (s) => s.memory.totalBytes);
  new Gauge({
    name: "tug_server_disk_used_ratio",
    help: "Used fraction of each mounted disk",
    labelNames: ["server", "mount"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [server, stats] of deps.poller.latestStats)
        for (const disk of stats.disks)
          this.labels(server, disk.mount).set(disk.totalBytes ? disk.usedBytes / disk.totalBytes : 0);
    },
  });
  perStack.push(
    new Gauge({
      name: "tug_stack_state",
      help: "1 for each stack's current state",
      labelNames: ["stack", "server", "state"],
      registers: [registry],
      async collect() {
        this.reset();
        for (const stack of await stacks())
          for (const state of STACK_STATES)
            this.labels(stack.name, stack.server, state).set(stack.state === state ? 1 : 0);
      },
    }),
  );
  perStack.push(
    new Gauge({
      name: "tug_stack_out_of_sync",
      help: "1 when a stack's deployed version differs from the repository's",
      labelNames: ["stack", "server"],
      registers: [registry],
      async collect() {
        this.reset();
        for (const stack of await stacks())
          this.labels(stack.name, stack.server).set(stack.deployedFingerprint === stack.desiredFingerprint ? 0 : 1);
      },
    }),
  );
  perStack.push(
    new Gauge({
      name: "tug_stack_drifted",
      help: "1 when what a stack runs differs from what Tugboat deployed (see its drift reasons)",
      labelNames: ["stack", "server"],
      registers: [registry],
      async collect() {
        this.reset();
        for (const stack of await stacks())
          if (stack.deployedFingerprint !== null) this.labels(stack.name, stack.server).set(stack.drift ? 1 : 0);
      },
    }),
  );
  perStack.push(
    new Gauge({
      name: "tug_stack_image_update_available",
      help: "1 when a checked service of the stack runs an older digest than its tag has in the registry",
      labelNames: ["stack", "server"],
      registers: [registry],
      async collect() {
        this.reset();
        const stacks = new Map<string, { server: string; available: boolean }>();
        for (const row of await deps.images.list()) {
          const seen = stacks.get(row.stack);
          stacks.set(row.stack, {
            server: row.server,
            available: (seen?.available ?? false) || row.status === "update-available",
          });
        }
        for (const [stack, { server, available }] of stacks) this.labels(stack, server).set(available ? 1 : 0);
      },
    }),
  );
  new Gauge({
    name: "tug_stacks_with_image_updates",
    help: "How many stacks have at least one service with a newer image digest",
    registers: [registry],
    async collect() {
      this.set(
        new Set((await deps.images.list()).filter((r) => r.status === "update-available").map((r) => r.stack)).size,
      );
    },
  });
  new Gauge({
    name: "tug_sync_ok",
    help: "1 when the sync's last check succeeded",
    labelNames: ["sync", "status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const sync of await deps.syncs.list()) this.labels(sync.name, sync.status).set(sync.status === "ok" ? 1 : 0);
    },
  });
  new Gauge({
    name: "tug_alerts_open",
    help: "Open alerts by type and severity",
    labelNames: ["type", "severity"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const alert of await deps.alerts.openAlerts()) this.labels(alert.type, alert.severity).inc();
    },
  });

  const finished = new Counter({
    name: "tug_updates_total",
    help: "Finished updates (deploys, actions, syncs) by operation and result",
    labelNames: ["operation", "result"],
    registers: [registry],
  });
  const durations = new Histogram({
    name: "tug_deploy_duration_seconds",
    help: "How long deploys took, from start to result",
    labelNames: ["result"],
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  return {
    registry,
    exposition: {
      contentType: registry.contentType,
      async metrics() {
        scrapes += 1;
        try {
          return await registry.metrics();
        } finally {
          // At 5,000 stacks these label sets held 10 MB of core's heap from one scrape to the next.
          // Emptied once no scrape is under way: one ending must not empty what another has yet to write.
          scrapes -= 1;
          if (scrapes === 0) {
            scrapeStacks = undefined;
            for (const gauge of perStack) gauge.reset();
          }
        }
      },
    },
    onUpdateFinished(update) {
      finished.labels(update.operation, update.status).inc();
      if (update.operation === "deploy" && update.startedAt && update.endedAt)
        durations.labels(update.status).observe((Date.parse(update.endedAt) - Date.parse(update.startedAt)) / 1000);
    },
  };
}
