// Swarm alerts with the real alert manager and store (SQLite and PostgreSQL):
// SwarmNodeDown opens for a node that is down and resolves when it is back or
// gone; SwarmUnhealthy waits a round; inside the swarm's own maintenance
// window an alert is kept, not sent.
import { MaintenanceWindow, type SwarmConfig } from "@tugboat/config";
import type { SwarmState } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { AlertManager } from "../src/alerts/alert-manager.js";
import { AlertStore } from "../src/alerts/alert-store.js";
import { AlertDelivery } from "../src/alerts/delivery.js";
import { swarmObservations } from "../src/swarm/swarm-alerts.js";
import { backends } from "./backends.js";

const config = (windows: MaintenanceWindow[] = []): SwarmConfig => ({
  servers: ["manager"],
  send_unhealthy_alerts: true,
  maintenance_windows: windows,
  links: [],
  node_labels: {},
  networks: [],
});

const node = (hostname: string, status: string) => ({
  id: hostname,
  hostname,
  role: "worker" as const,
  availability: "active",
  status,
  message: status === "down" ? "heartbeat failure" : "",
  address: "10.0.0.2",
  labels: {},
  engineVersion: "20.10.24",
  leader: false,
});

const state = (nodes: SwarmState["nodes"], running = 2): SwarmState => ({
  swarmId: "s",
  nodes,
  services: [
    {
      id: "svc",
      name: "media_web",
      stack: "media",
      service: "web",
      mode: "replicated",
      image: "local/busybox:1",
      desired: 2,
      running,
      completed: 0,
      updateState: "",
      updateMessage: "",
    },
  ],
  tasks: [],
  networks: [],
});

describe.each(backends)("swarm alerts on $name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)("open, resolve, and keep quiet inside the swarm's maintenance window", async () => {
    let now = new Date("2026-12-06T10:30:00Z");
    const store = new AlertStore(await open());
    const alerts = new AlertManager({
      store,
      delivery: new AlertDelivery({ store, backoffMs: [], log: () => {}, allowPrivate: false }),
      now: () => now,
    });
    const round = async (input: Parameters<typeof swarmObservations>[0]) => {
      for (const observation of swarmObservations(input)) await alerts.observe(observation);
    };
    const down = state([node("nas", "ready"), node("pi", "down")], 1);
    await round({ swarm: "home", config: config(), state: down, knownNodes: [] });
    const [nodeDown] = await store.list({ type: "SwarmNodeDown" });
    expect(nodeDown).toMatchObject({ status: "open", severity: "critical", suppressed: false });
    expect(nodeDown?.message).toBe("node pi of swarm home is down: heartbeat failure");
    // SwarmUnhealthy waits for a second round: a reschedule takes one.
    expect(await store.list({ type: "SwarmUnhealthy" })).toEqual([]);
    await round({ swarm: "home", config: config(), state: down, knownNodes: ["nas", "pi"] });
    expect((await store.list({ type: "SwarmUnhealthy" }))[0]).toMatchObject({ status: "open", severity: "warning" });
    // The node leaves the swarm and the services converge: both resolve.
    await round({ swarm: "home", config: config(), state: state([node("nas", "ready")]), knownNodes: ["nas", "pi"] });
    expect((await store.list({})).map((a) => [a.type, a.status])).toEqual(
      expect.arrayContaining([
        ["SwarmNodeDown", "resolved"],
        ["SwarmUnhealthy", "resolved"],
      ]),
    );
    // Inside the swarm's window (10:00-11:00 UTC daily), a node going down is recorded but not sent.
    now = new Date("2026-12-07T10:15:00Z");
    const nightly = [
      MaintenanceWindow.parse({ schedule_type: "Daily", hour: 10, duration_minutes: 60, timezone: "UTC" }),
    ];
    await round({ swarm: "home", config: config(nightly), state: state([node("nas", "down")]), knownNodes: ["nas"] });
    const stillOpen = await store.list({ type: "SwarmNodeDown", status: "open" });
    expect(stillOpen.map((a) => [a.message, a.suppressed])).toEqual([
      ["node nas of swarm home is down: heartbeat failure", true],
    ]);
  });
});
