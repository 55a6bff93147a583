import type { SwarmServiceStatus, SwarmTaskStatus } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { evaluateSwarm } from "./convergence.js";

const service = (over: Partial<SwarmServiceStatus> = {}): SwarmServiceStatus => ({
  id: "s1",
  name: "app_web",
  stack: "app",
  service: "web",
  mode: "replicated",
  image: "local/busybox:1",
  desired: 2,
  running: 2,
  completed: 0,
  updateState: "completed",
  updateMessage: "",
  ...over,
});

const task = (over: Partial<SwarmTaskStatus> = {}): SwarmTaskStatus => ({
  id: "t1",
  serviceId: "s1",
  service: "web",
  slot: 1,
  nodeId: "n1",
  node: "tb-media",
  state: "running",
  desiredState: "running",
  current: true,
  error: "",
  message: "started",
  at: "2026-12-06T06:00:00Z",
  containerId: "c1",
  ...over,
});

describe("evaluateSwarm", () => {
  it("is done when every service runs its new spec at the desired count", () => {
    expect(evaluateSwarm([service()], [task(), task({ id: "t2", slot: 2 })])).toEqual({
      done: true,
      waiting: [],
      failing: [],
    });
  });

  it("waits while Docker is updating, or fewer tasks run than desired, naming why", () => {
    const verdict = evaluateSwarm(
      [service({ running: 1, updateState: "updating" })],
      [task({ state: "preparing", message: "preparing" })],
    );
    expect(verdict.done).toBe(false);
    expect(verdict.waiting).toEqual([{ service: "web", reason: "1/2 tasks running, updating: preparing (preparing)" }]);
  });

  it("fails at once when Docker rolled the update back, and after three failed tasks of the new spec", () => {
    expect(
      evaluateSwarm([service({ updateState: "rollback_completed", updateMessage: "update failed" })], []).failing,
    ).toEqual([{ service: "web", reason: "Docker rollback completed the update: update failed" }]);
    const failed = [1, 2, 3].map((i) => task({ id: `f${i}`, state: "failed", error: "task: non-zero exit (1)" }));
    // Failed tasks of the old spec do not count.
    const old = [1, 2, 3].map((i) => task({ id: `o${i}`, state: "failed", current: false }));
    expect(evaluateSwarm([service({ running: 0 })], old).failing).toEqual([]);
    expect(evaluateSwarm([service({ running: 0 })], failed).failing).toEqual([
      { service: "web", reason: "3 tasks failed, the last: task: non-zero exit (1)" },
    ]);
  });

  it("counts a job done when its tasks completed, and leaves ignored services out", () => {
    const job = service({ mode: "replicated-job", desired: 1, running: 0, completed: 1, service: "migrate" });
    expect(evaluateSwarm([job, service({ id: "s2", service: "init", running: 0 })], [], ["init"]).done).toBe(true);
  });
});
