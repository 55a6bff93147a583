import type { ContainerStatus, DriftReason } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { containerStatus } from "../monitor/container.fixture.js";
import { decideHeal } from "./heal.js";

const container = (extra: Partial<ContainerStatus>): ContainerStatus => containerStatus(extra);

const drift: DriftReason[] = [{ kind: "missing", service: "app", message: "app: its container is missing" }];
const settings = { self_heal: true, unhealthy_restart_after: 3, heal_budget: 3, heal_window_minutes: 10 };
const now = 100 * 60_000;
const base = {
  settings,
  drift,
  containers: [],
  heals: [],
  now,
  held: false,
  stoppedOnPurpose: false,
  inMaintenance: false,
  busy: false,
};

describe("self-heal decisions", () => {
  it("redeploys a drifted stack", () => {
    expect(decideHeal(base)).toEqual({ action: "redeploy", reason: "drifted: app: its container is missing" });
  });

  it("never heals with self_heal off, stopped on purpose, in maintenance, while busy or held", () => {
    expect(decideHeal({ ...base, settings: { ...settings, self_heal: false } }).action).toBe("none");
    expect(decideHeal({ ...base, stoppedOnPurpose: true }).action).toBe("none");
    expect(decideHeal({ ...base, inMaintenance: true }).action).toBe("none");
    expect(decideHeal({ ...base, busy: true }).action).toBe("none");
    expect(decideHeal({ ...base, held: true }).action).toBe("none");
  });

  it("restarts a service whose healthcheck failed N times in a row, not before", () => {
    const sick = (failingStreak: number) => [container({ health: "unhealthy", failingStreak })];
    expect(decideHeal({ ...base, drift: [], containers: sick(2) }).action).toBe("none");
    expect(decideHeal({ ...base, drift: [], containers: sick(3) })).toEqual({
      action: "restart",
      services: ["app"],
      reason: "app failed 3 healthchecks in a row",
    });
    const off = { ...settings, unhealthy_restart_after: 0 };
    expect(decideHeal({ ...base, settings: off, drift: [], containers: sick(50) }).action).toBe("none");
  });

  it("holds a stack for a person once its budget is spent in the window", () => {
    const minute = 60_000;
    const spent = [now - 9 * minute, now - 5 * minute, now - minute];
    expect(decideHeal({ ...base, heals: spent }).action).toBe("hold");
    // Heals older than the window do not count.
    expect(decideHeal({ ...base, heals: [now - 11 * minute, now - 5 * minute, now - minute] }).action).toBe("redeploy");
  });
});
