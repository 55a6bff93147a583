import { describe, expect, it } from "vitest";
import { type DoctorFacts, diagnose, type ServerFacts } from "./diagnose.js";

const NOW = new Date("2026-12-06T12:00:00Z");
const INFO = {
  hostname: "h",
  dockerName: "h",
  os: "Debian",
  kernel: "6.1",
  arch: "x86_64",
  cpus: 2,
  memoryBytes: 1,
  dockerVersion: "20.10.24",
  dockerApiVersion: "1.41",
  compose: { kind: "standalone" as const, version: "1.29.2" },
  agentVersion: "0.1.0",
};
const server = (over: Partial<ServerFacts> = {}): ServerFacts => ({
  name: "apollo",
  address: "https://10.0.0.1:8120",
  version: "0.1.0",
  pinned: "AA:BB",
  pending: null,
  info: INFO,
  skewMs: 10,
  ...over,
});
const facts = (over: Partial<DoctorFacts> = {}): DoctorFacts => ({
  now: NOW,
  agentVersion: "0.1.0",
  servers: [server()],
  stacks: [],
  syncs: [{ name: "root", status: "ok", error: null, applied: true }],
  backups: {
    scheduled: true,
    lastOk: "2026-12-06T03:00:00Z",
    lastAttempt: { createdAt: "2026-12-06T03:00:00Z", status: "ok" },
  },
  ...over,
});
const statusOf = (rows: ReturnType<typeof diagnose>, check: string, target?: string) =>
  rows.find((r) => r.check === check && (target === undefined || r.target === target))?.status;

describe("the doctor's verdicts", () => {
  it("is all ok for a healthy fleet", () => {
    expect(diagnose(facts()).filter((r) => r.status !== "ok")).toEqual([]);
  });

  it("gives a down server one fail row, and its stacks warnings", () => {
    const rows = diagnose(
      facts({
        servers: [server({ error: "ECONNREFUSED", version: undefined, info: undefined, skewMs: undefined })],
        stacks: [{ name: "web", server: "apollo", state: "unknown", stopped: false, drifted: false, held: null }],
      }),
    );
    expect(rows.filter((r) => r.target === "apollo")).toHaveLength(1);
    expect(statusOf(rows, "agent")).toBe("fail");
    expect(statusOf(rows, "stack", "web")).toBe("warn");
  });

  it("judges an outbound server by its link, not by an address or a pinned certificate", () => {
    const linked = diagnose(facts({ servers: [server({ outbound: true, address: "", pinned: null })] }));
    expect(linked.filter((r) => r.status !== "ok")).toEqual([]);
    expect(linked.find((r) => r.check === "agent")?.detail).toBe("answers through its outbound link");
    const unlinked = diagnose(
      facts({
        servers: [
          server({
            outbound: true,
            address: "",
            pinned: null,
            error: "the agent of apollo is not linked",
            info: undefined,
          }),
        ],
      }),
    );
    expect(unlinked.filter((r) => r.target === "apollo")).toEqual([
      expect.objectContaining({
        check: "agent",
        status: "fail",
        fix: expect.stringContaining("tug server enroll apollo"),
      }),
    ]);
  });

  it("judges disks, clocks, versions, pins and Compose by their limits", () => {
    const disk = (usedPercent: number) =>
      statusOf(
        diagnose(
          facts({
            servers: [
              server({
                stats: {
                  disks: [{ mount: "/", totalBytes: 100, usedBytes: usedPercent }],
                } as unknown as ServerFacts["stats"],
              }),
            ],
          }),
        ),
        "disk",
      );
    expect([disk(50), disk(85), disk(95)]).toEqual(["ok", "warn", "fail"]);
    const clock = (skewMs: number) => statusOf(diagnose(facts({ servers: [server({ skewMs })] })), "clock");
    expect([clock(-1_000), clock(-5_000), clock(60_000)]).toEqual(["ok", "warn", "fail"]);
    expect(statusOf(diagnose(facts({ servers: [server({ version: "0.0.9" })] })), "version")).toBe("warn");
    expect(statusOf(diagnose(facts({ servers: [server({ pending: "CC:DD" })] })), "certificate")).toBe("fail");
    expect(statusOf(diagnose(facts({ servers: [server({ info: { ...INFO, compose: null } })] })), "docker")).toBe(
      "fail",
    );
  });

  it("fails a stack that is down or unhealthy, not one stopped on purpose", () => {
    const rows = diagnose(
      facts({
        stacks: [
          { name: "a", server: "apollo", state: "unhealthy", stopped: false, drifted: false, held: null },
          { name: "b", server: "apollo", state: "stopped", stopped: true, drifted: false, held: null },
          { name: "c", server: "apollo", state: "running", stopped: false, drifted: true, held: null },
        ],
      }),
    );
    expect([statusOf(rows, "stack", "a"), statusOf(rows, "stack", "b"), statusOf(rows, "stack", "c")]).toEqual([
      "fail",
      undefined,
      "warn",
    ]);
  });

  it("judges backups by the last attempt and the age of the last good one", () => {
    const backup = (b: Partial<DoctorFacts["backups"]>) =>
      statusOf(diagnose(facts({ backups: { ...facts().backups, ...b } })), "backup");
    expect(backup({ lastAttempt: { createdAt: "2026-12-06T03:00:00Z", status: "failed", error: "disk full" } })).toBe(
      "fail",
    );
    expect(backup({ lastOk: "2026-12-05T06:00:00Z" })).toBe("warn");
    expect(backup({ lastOk: "2026-12-02T06:00:00Z" })).toBe("fail");
    expect(backup({ lastOk: null, lastAttempt: null })).toBe("warn");
    expect(backup({ lastOk: null, lastAttempt: null, scheduled: false })).toBe("fail");
  });
});
