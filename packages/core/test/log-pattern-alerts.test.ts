// LogPattern alerts with core's real alert manager and store (SQLite and
// PostgreSQL), on a clock the test moves: the first match opens one alert,
// later matches update that alert's lines, quiet resolves it; an alert a
// previous core left open resolves too.
import { describe, expect, it } from "vitest";
import { AlertManager } from "../src/alerts/alert-manager.js";
import { AlertStore } from "../src/alerts/alert-store.js";
import { AlertDelivery } from "../src/alerts/delivery.js";
import type { StackRow } from "../src/deploy/stack-store.js";
import { LogPatternAlerts } from "../src/logs/log-alerts.js";
import type { StoredLine } from "../src/logs/log-store.js";
import { backends } from "./backends.js";

const stacks = async () =>
  [
    {
      name: "api",
      spec: { logAlerts: [{ pattern: "panic", severity: "critical", quiet_minutes: 2 }] },
    },
  ] as unknown as StackRow[];
let id = 0;
const line = (text: string): StoredLine => ({
  id: ++id,
  at: 0,
  server: "apollo",
  stack: "api",
  service: "app",
  container: "c",
  stream: "stderr",
  level: null,
  line: text,
});

describe.each(backends)("LogPattern alerts on $name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)(
    "open once, carry the latest lines, resolve when quiet, also after a restart",
    async () => {
      const store = new AlertStore(await open());
      const delivery = new AlertDelivery({ store, backoffMs: [], log: () => {}, allowPrivate: false });
      let now = Date.parse("2026-12-06T10:00:00Z");
      const alerts = new AlertManager({ store, delivery });
      const patterns = new LogPatternAlerts({ alerts, stacks, now: () => now });

      await patterns.observe([line("panic: first")]);
      now += 20_000;
      await patterns.observe([line("fine"), line("panic: second")]);
      let [alert] = await store.list({ type: "LogPattern" });
      expect(await store.list({ type: "LogPattern" })).toHaveLength(1);
      expect(alert).toMatchObject({ status: "open", severity: "critical", targetName: "api" });
      expect((alert?.details as { lines?: string[] } | undefined)?.lines).toEqual([
        "app: panic: first",
        "app: panic: second",
      ]);

      now += 2 * 60_000;
      await patterns.sweep();
      [alert] = await store.list({ type: "LogPattern" });
      expect(alert?.status).toBe("resolved");

      // A core that stopped with the alert open: the next one resolves it after ten quiet minutes.
      await patterns.observe([line("panic: third")]);
      const restarted = new AlertManager({ store, delivery });
      await restarted.restore();
      const fresh = new LogPatternAlerts({ alerts: restarted, stacks, now: () => now });
      await fresh.sweep();
      expect((await store.list({ type: "LogPattern", status: "open" })).length).toBe(1);
      now += 10 * 60_000;
      await fresh.sweep();
      expect(await store.list({ type: "LogPattern", status: "open" })).toEqual([]);
    },
  );
});
