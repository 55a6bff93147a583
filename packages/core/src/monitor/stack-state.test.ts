import type { ContainerStatus } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { containerStatus } from "./container.fixture.js";
import { stackState } from "./stack-state.js";

const c = (state: string, extra: Partial<ContainerStatus> = {}): ContainerStatus =>
  containerStatus({ service: "s", name: "n", id: "i", state, image: "img", ...extra });

describe("stackState", () => {
  it("is running when every container runs (one-shots may have exited 0)", () => {
    expect(stackState([c("running"), c("exited")], false)).toBe("running");
  });
  it("is unhealthy on a failing healthcheck, a restart loop or a crash", () => {
    expect(stackState([c("running", { health: "unhealthy" })], false)).toBe("unhealthy");
    expect(stackState([c("running"), c("restarting", { exitCode: 1 })], false)).toBe("unhealthy");
    expect(stackState([c("running"), c("exited", { exitCode: 137 })], false)).toBe("unhealthy");
  });
  it("is down with no containers, unless stopped on purpose", () => {
    expect(stackState([], false)).toBe("down");
    expect(stackState([], true)).toBe("stopped");
    expect(stackState([c("exited", { exitCode: 137 }), c("exited", { exitCode: 0 })], true)).toBe("stopped");
  });
});
