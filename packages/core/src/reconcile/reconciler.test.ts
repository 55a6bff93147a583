// The reconciler's guard against a status an action overtook: a deploy or a
// heal that ended after the stack's row was read must not be judged against
// containers from before it (that would "heal" back to the old version).
import type { ContainerStatus } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { Deployer } from "../deploy/deployer.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import { containerStatus } from "../monitor/container.fixture.js";
import { Reconciler } from "./reconciler.js";

const row: StackRow = {
  name: "web",
  server: "solo",
  sync: "root",
  project: "web",
  spec: {
    reconcile: {
      self_heal: true,
      unhealthy_restart_after: 3,
      auto_rollback: true,
      heal_budget: 3,
      heal_window_minutes: 10,
      deploy_gate: "health",
    },
  },
  desiredFingerprint: "f",
  deployedFingerprint: "f",
  deployedCommit: "c".repeat(40),
  deployedAt: "2026-12-02T00:00:00.000Z",
  state: "running",
  stopped: false,
  updatedAt: "2026-12-02T00:00:00.000Z",
  deployedServices: [{ service: "app", configHash: "h", imageDigest: "d", oneShot: false }],
  drift: null,
  heals: [],
  healHold: null,
  quarantine: null,
};

function reconciler(endedAt: number | undefined) {
  const heals: string[] = [];
  const observed: string[] = [];
  const baselines: unknown[] = [];
  const stacks = {
    setDrift: async () => {},
    setHeals: async () => {},
    setDeployedServices: async (_name: string, services: unknown) => {
      baselines.push(services);
    },
  } as unknown as StackStore;
  const alerts = {
    observe: async (o: { type: string; severity: string | null }) => {
      if (o.severity) observed.push(o.type);
    },
    inMaintenance: () => false,
    quiet: () => true,
  } as unknown as AlertManager;
  const deployer = {
    busy: () => false,
    endedAt: () => endedAt,
    heal: async (_stack: StackRow, _action: unknown, reason: string) => {
      heals.push(reason);
      return "u1";
    },
  } as unknown as Deployer;
  return { reconciler: new Reconciler({ stacks, alerts, deployer, log: () => {} }), heals, observed, baselines };
}

const missing = { stack: "web", project: "web", commit: null, containers: [] as ContainerStatus[] };

describe("reconciler", () => {
  it("heals a stack whose row was read after its last action ended", async () => {
    const { reconciler: r, heals, observed } = reconciler(1000);
    await r.observe(row, missing, 2000);
    expect(observed).toEqual(["StackDrifted"]);
    expect(heals).toEqual(["self-heal: drifted: app: its container is missing"]);
  });

  it("adopts what runs as the baseline of a stack an older core deployed, once it runs that commit", async () => {
    const upgraded = { ...row, deployedServices: null };
    const running = containerStatus({ imageDigest: "sha256:1", configHash: "h1" });
    const status = { ...missing, commit: row.deployedCommit, containers: [running] };
    const { reconciler: r, heals, baselines } = reconciler(undefined);
    await r.observe(upgraded, status, 2000);
    expect(baselines).toEqual([[{ service: "app", configHash: "h1", imageDigest: "sha256:1", oneShot: false }]]);
    expect(heals).toEqual([]);
    // Another commit on the agent (not what core deployed): nothing adopted.
    const other = reconciler(undefined);
    await other.reconciler.observe(upgraded, { ...status, commit: "d".repeat(40) }, 2000);
    expect(other.baselines).toEqual([]);
  });

  it("leaves a stopped container to StackStateChange's alert, but still heals it", async () => {
    const exited = containerStatus({ state: "exited", exitCode: 137, imageDigest: "d", configHash: "h" });
    const { reconciler: r, heals, observed } = reconciler(undefined);
    await r.observe(row, { ...missing, containers: [exited] }, 2000);
    expect(observed).toEqual([]);
    expect(heals).toEqual(["self-heal: drifted: app: exited with code 137"]);
  });

  it("judges a stack whose row was read right after its last action ended", async () => {
    // The clock of actions has no ties: a row read at the reading an action ended with saw its writes.
    const { reconciler: r, heals } = reconciler(2000);
    await r.observe(row, missing, 2000);
    expect(heals).toEqual(["self-heal: drifted: app: its container is missing"]);
  });

  it("judges nothing when an action ended after the stack's row was read", async () => {
    const { reconciler: r, heals, observed } = reconciler(3000);
    await r.observe(row, missing, 2000);
    expect(observed).toEqual([]);
    expect(heals).toEqual([]);
  });
});
