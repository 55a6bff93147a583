// The alert manager's shortcut for observations that all is well: it must
// change nothing the queue would not have, in the same order.
import { describe, expect, it } from "vitest";
import { AlertManager } from "./alert-manager.js";
import type { AlertRecord, AlertStore } from "./alert-store.js";
import type { AlertDelivery } from "./delivery.js";
import type { Observation } from "./rules.js";

function manager(options: { slowOpen?: boolean } = {}) {
  const open = new Map<string, AlertRecord>();
  const events: string[] = [];
  let next = 0;
  const store = {
    openAlerts: async () => [],
    open: async (alert: Omit<AlertRecord, "id" | "status" | "openedAt">) => {
      if (options.slowOpen) await new Promise((resolve) => setTimeout(resolve, 50));
      const record = { ...alert, id: `a${++next}`, status: "open" } as unknown as AlertRecord;
      open.set(record.id, record);
      events.push(`open ${alert.condition}`);
      return record;
    },
    update: async () => {},
    resolve: async (id: string) => {
      events.push(`resolve ${open.get(id)?.condition}`);
      open.delete(id);
    },
  } as unknown as AlertStore;
  const delivery = { notify: async () => {}, setAlerters: () => {} } as unknown as AlertDelivery;
  return { alerts: new AlertManager({ store, delivery }), open, events };
}

const cpu = (severity: "warning" | null, openAfter = 2): Observation => ({
  condition: "server-cpu:apollo",
  type: "ServerCpu",
  target: { kind: "server", name: "apollo" },
  server: "apollo",
  severity,
  message: severity ? "cpu high" : "cpu fine",
  details: {},
  openAfter,
});

describe("alert manager", () => {
  it("forgets the count of bad samples when all is well again", async () => {
    const { alerts, open } = manager();
    await alerts.observe(cpu("warning"));
    await alerts.observe(cpu(null));
    await alerts.observe(cpu("warning"));
    expect(open.size).toBe(0);
    await alerts.observe(cpu("warning"));
    expect(open.size).toBe(1);
  });

  it("handles all is well after what came before it, however long that takes", async () => {
    const { alerts, open, events } = manager({ slowOpen: true });
    // Not awaited one by one: the first is still being stored when the second arrives.
    await Promise.all([alerts.observe(cpu("warning", 1)), alerts.observe(cpu(null, 1))]);
    expect(events).toEqual(["open server-cpu:apollo", "resolve server-cpu:apollo"]);
    expect(open.size).toBe(0);
  });

  it("resolves an open alert when all is well", async () => {
    const { alerts, open, events } = manager();
    await alerts.observe(cpu("warning", 1));
    await alerts.observe(cpu(null, 1));
    expect(events).toEqual(["open server-cpu:apollo", "resolve server-cpu:apollo"]);
    expect(open.size).toBe(0);
  });

  it("is quiet about a condition only while all is well with nothing counted, open or in line", async () => {
    const { alerts } = manager({ slowOpen: true });
    const condition = "server-cpu:apollo";
    expect(alerts.quiet(condition)).toBe(true);
    await alerts.observe(cpu("warning"));
    // One bad sample counted: all is well must still be said, to forget it.
    expect(alerts.quiet(condition)).toBe(false);
    await alerts.observe(cpu(null));
    expect(alerts.quiet(condition)).toBe(true);
    const opening = alerts.observe(cpu("warning", 1));
    expect(alerts.quiet(condition)).toBe(false);
    await opening;
    expect(alerts.quiet(condition)).toBe(false);
    await alerts.observe(cpu(null, 1));
    expect(alerts.quiet(condition)).toBe(true);
  });
});
