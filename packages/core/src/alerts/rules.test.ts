import { ServerConfig } from "@tugboat/config";
import type { ContainerStatus, HostStats } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { containerStatus } from "../monitor/container.fixture.js";
import { RESTART_WINDOW_MS, serverObservations, stackObservation } from "./rules.js";

const settings = ServerConfig.parse({});
const stats = (cpu: number, memPercent: number, diskPercent: number): HostStats => ({
  at: new Date().toISOString(),
  cpuPercent: cpu,
  load: [0, 0, 0],
  memory: { totalBytes: 100, usedBytes: memPercent },
  swap: { totalBytes: 0, usedBytes: 0 },
  disks: [
    { mount: "/", totalBytes: 100, usedBytes: diskPercent },
    { mount: "/boot", totalBytes: 100, usedBytes: 99 },
  ],
  network: { rxBytesPerSecond: 0, txBytesPerSecond: 0 },
  containers: [],
});
const severities = (observations: ReturnType<typeof serverObservations>) =>
  Object.fromEntries(observations.map((o) => [o.condition, o.severity]));

describe("server rules", () => {
  it("grades CPU, memory and each disk against Komodo's default thresholds", () => {
    const seen = severities(
      serverObservations({
        server: "apollo",
        settings: { ...settings, ignore_mounts: ["/boot"] },
        reachable: true,
        agentVersion: "0.1.0",
        coreVersion: "0.1.0",
        stats: stats(95, 80, 96),
      }),
    );
    expect(seen).toEqual({
      "server-unreachable:apollo": null,
      "server-certificate:apollo": null,
      "server-version:apollo": null,
      "server-cpu:apollo": "warning",
      "server-mem:apollo": "warning",
      "server-disk:apollo:/": "critical",
    });
  });

  it("says only unreachable when the agent does not answer, and nothing about usage it cannot see", () => {
    const seen = serverObservations({
      server: "apollo",
      settings,
      reachable: false,
      error: "ECONNREFUSED",
      coreVersion: "0.1.0",
    });
    expect(seen.filter((o) => o.severity !== null).map((o) => o.type)).toEqual(["ServerUnreachable"]);
    expect(seen.map((o) => o.type)).not.toContain("ServerCpu");
  });

  it("raises a refused certificate instead of unreachable", () => {
    const seen = serverObservations({
      server: "apollo",
      settings,
      reachable: false,
      pendingFingerprint: "AA:BB",
      coreVersion: "0.1.0",
    });
    expect(seen.filter((o) => o.severity !== null).map((o) => o.type)).toEqual(["ServerCertificateChanged"]);
  });

  it("calls a changed certificate critical, and a first contact awaiting an admin a warning", () => {
    const observe = (trustedFingerprint: string | null) =>
      serverObservations({
        server: "apollo",
        settings,
        reachable: true,
        pendingFingerprint: "CC:DD",
        trustedFingerprint,
        coreVersion: "0.1.0",
      }).find((o) => o.type === "ServerCertificateChanged");
    expect(observe("AA:BB")).toMatchObject({
      severity: "critical",
      message: expect.stringContaining("different certificate"),
    });
    expect(observe(null)).toMatchObject({ severity: "warning", message: expect.stringContaining("not trusted yet") });
  });

  it("raises a version mismatch, and respects the send_* switches", () => {
    const seen = serverObservations({
      server: "apollo",
      settings: { ...settings, send_cpu_alerts: false, send_version_mismatch_alerts: true },
      reachable: true,
      agentVersion: "0.0.9",
      coreVersion: "0.1.0",
      stats: stats(100, 0, 0),
    });
    expect(severities(seen)["server-version:apollo"]).toBe("warning");
    expect(seen.map((o) => o.type)).not.toContain("ServerCpu");
  });
});

const container = (fields: Partial<ContainerStatus>): ContainerStatus =>
  containerStatus({ name: "app-1", id: "c1", created: new Date(0).toISOString(), ...fields });

describe("stack rules", () => {
  const observe = (containers: ContainerStatus[], history = new Map(), now = 10 * RESTART_WINDOW_MS, stopped = false) =>
    stackObservation({ stack: "web", server: "apollo", containers, stoppedOnPurpose: stopped, history, now });

  it("is clear when every service runs and healthy", () => {
    expect(observe([container({ health: "healthy" })]).observation.severity).toBeNull();
  });

  it("flags exited-with-error, dead, unhealthy and no containers", () => {
    expect(observe([container({ state: "exited", exitCode: 2 })]).observation.message).toMatch(/exited with code 2/);
    expect(observe([container({ state: "dead" })]).observation.message).toMatch(/is dead/);
    expect(observe([container({ health: "unhealthy" })]).observation.message).toMatch(/unhealthy/);
    expect(observe([]).observation.message).toMatch(/no containers/);
  });

  it("keeps a restart loop bad between restarts, for the restart window after the last one", () => {
    const first = observe([container({ restartCount: 3 })], new Map([["c1", { count: 2, increasedAt: 0 }]]), 1000);
    expect(first.observation.message).toMatch(/restart loop/);
    // Running again, no new restart, one minute later: still within the window.
    const later = observe([container({ restartCount: 3 })], first.history, 61_000);
    expect(later.observation.severity).toBe("critical");
    // No restart for longer than the window: clear.
    const quiet = observe([container({ restartCount: 3 })], first.history, 1000 + RESTART_WINDOW_MS);
    expect(quiet.observation.severity).toBeNull();
  });

  it("does not take an old container's restarts for a loop when first seen", () => {
    expect(observe([container({ restartCount: 5 })]).observation.severity).toBeNull();
  });

  it("is clear for a stack stopped on purpose", () => {
    expect(
      observe([container({ state: "exited", exitCode: 137 })], new Map(), 0, true).observation.severity,
    ).toBeNull();
  });
});
