import { describe, expect, it } from "vitest";
import { evaluateDeploy, type ServiceContainer } from "./health.js";

const c = (service: string, state: string, extra: Partial<ServiceContainer> = {}): ServiceContainer => ({
  service,
  state,
  health: "none",
  exitCode: 0,
  restartPolicy: "unless-stopped",
  ...extra,
});

describe("evaluateDeploy", () => {
  it("succeeds when services run, healthchecks pass and one-shots exited 0", () => {
    const verdict = evaluateDeploy(
      ["web", "db", "migrate"],
      [c("web", "running"), c("db", "running", { health: "healthy" }), c("migrate", "exited", { restartPolicy: "no" })],
    );
    expect(verdict).toEqual({ done: true, ok: true, failing: [], waiting: [] });
  });

  it("waits for starting healthchecks, missing containers and restarts", () => {
    const verdict = evaluateDeploy(
      ["web", "db", "worker"],
      [c("db", "running", { health: "starting" }), c("worker", "restarting", { exitCode: 1 })],
    );
    expect(verdict.done).toBe(false);
    expect(verdict.waiting.map((w) => w.service)).toEqual(["web", "db", "worker"]);
  });

  it("fails at once on an unhealthy service or a one-shot that exited non-zero", () => {
    const verdict = evaluateDeploy(
      ["web", "migrate"],
      [c("web", "running", { health: "unhealthy" }), c("migrate", "exited", { exitCode: 2, restartPolicy: "no" })],
    );
    expect(verdict).toMatchObject({ done: true, ok: false });
    expect(verdict.failing).toEqual([
      { service: "web", reason: "unhealthy: its healthcheck fails" },
      { service: "migrate", reason: "exited with code 2" },
    ]);
  });

  it("ignores services it was not asked about", () => {
    expect(
      evaluateDeploy(["web"], [c("web", "running"), c("other", "exited", { exitCode: 1, restartPolicy: "no" })]).ok,
    ).toBe(true);
  });
});
