import { describe, expect, it } from "vitest";
import { prometheusRegistry } from "./prometheus.js";

type Deps = Parameters<typeof prometheusRegistry>[0];

function fleet(stacks: string[]) {
  const reads = { count: 0 };
  const rows = stacks.map((name) => ({
    name,
    server: "apollo",
    state: "running",
    deployedFingerprint: "f1",
    desiredFingerprint: "f1",
    drift: null,
  }));
  const deps = {
    servers: { list: async () => [{ name: "apollo", region: "", reachable: true }] },
    stacks: {
      list: async () => {
        reads.count += 1;
        return rows;
      },
    },
    syncs: { list: async () => [] },
    alerts: { openAlerts: async () => [] },
    poller: { latestStats: new Map() },
    images: { list: async () => [{ stack: stacks[0], server: "apollo", status: "update-available" }] },
    version: "test",
  } as unknown as Deps;
  return { rows, reads, ...prometheusRegistry(deps) };
}

describe("the Prometheus exposition", () => {
  it("lists every stack at each scrape, and only the stacks there are", async () => {
    const { rows, exposition } = fleet(["web", "db"]);
    for (let scrape = 0; scrape < 2; scrape += 1) {
      const text = await exposition.metrics();
      expect(text).toContain('tug_stack_state{stack="web",server="apollo",state="running"} 1');
      expect(text).toContain('tug_stack_state{stack="db",server="apollo",state="down"} 0');
      expect(text).toContain('tug_stack_out_of_sync{stack="db",server="apollo"} 0');
      expect(text).toContain('tug_stack_drifted{stack="web",server="apollo"} 0');
      expect(text).toContain('tug_stack_image_update_available{stack="web",server="apollo"} 1');
    }
    rows.pop();
    expect(await exposition.metrics()).not.toContain('stack="db"');
  });

  it("lists every stack in each of two scrapes under way at once", async () => {
    const { exposition } = fleet(["web", "db"]);
    for (let i = 0; i < 5; i += 1) {
      const scrapes = await Promise.all([exposition.metrics(), exposition.metrics(), exposition.metrics()]);
      for (const text of scrapes) {
        expect(text).toContain('tug_stack_state{stack="db",server="apollo",state="running"} 1');
        expect(text).toContain('tug_stack_drifted{stack="web",server="apollo"} 0');
      }
    }
  });

  it("reads the stacks once a scrape, and afresh at the next", async () => {
    const { rows, reads, exposition } = fleet(["web", "db"]);
    await exposition.metrics();
    expect(reads.count).toBe(1);
    rows.pop();
    expect(await exposition.metrics()).not.toContain('stack="db"');
    expect(reads.count).toBe(2);
  });

  it("keeps no stack's series between scrapes", async () => {
    const { registry, exposition } = fleet(Array.from({ length: 50 }, (_, i) => `stack-${i}`));
    await exposition.metrics();
    for (const name of ["tug_stack_state", "tug_stack_out_of_sync", "tug_stack_drifted"]) {
      // prom-client keeps a gauge's label sets in `hashMap`: one entry per series until reset.
      const gauge = registry.getSingleMetric(name) as unknown as { hashMap: Record<string, unknown> };
      expect(Object.keys(gauge.hashMap)).toEqual([]);
    }
  });
});
