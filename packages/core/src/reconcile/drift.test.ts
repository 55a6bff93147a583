import type { ContainerStatus } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { containerStatus } from "../monitor/container.fixture.js";
import { deployedServices, detectDrift } from "./drift.js";

const c = (service: string, extra: Partial<ContainerStatus> = {}): ContainerStatus =>
  containerStatus({ service, imageDigest: "sha256:aaaaaaaaaaaaaaaa", configHash: `hash-${service}`, ...extra });

describe("drift", () => {
  const deployed = deployedServices([
    c("web"),
    c("migrate", { state: "exited", exitCode: 0 }),
    c("ignored", { skip: true }),
  ]);

  it("records one baseline per service, one-shots marked, skipped ones left out", () => {
    expect(deployed).toEqual([
      { service: "migrate", configHash: "hash-migrate", imageDigest: "sha256:aaaaaaaaaaaaaaaa", oneShot: true },
      { service: "web", configHash: "hash-web", imageDigest: "sha256:aaaaaaaaaaaaaaaa", oneShot: false },
    ]);
  });

  it("finds nothing when what runs is what was deployed", () => {
    expect(detectDrift({ deployed, containers: [c("web"), c("migrate", { state: "exited" })] })).toEqual([]);
  });

  it("names a missing container, an exited one and a dead one", () => {
    expect(detectDrift({ deployed, containers: [c("migrate", { state: "exited" })] })).toEqual([
      { kind: "missing", service: "web", message: "web: its container is missing" },
    ]);
    const exited = detectDrift({ deployed, containers: [c("web", { state: "exited", exitCode: 137 }), c("migrate")] });
    expect(exited.map((d) => d.message)).toEqual(["web: exited with code 137"]);
    expect(detectDrift({ deployed, containers: [c("web", { state: "dead" }), c("migrate")] })[0]?.kind).toBe(
      "not-running",
    );
  });

  it("names a container recreated with another configuration, and another image", () => {
    const drift = detectDrift({
      deployed,
      containers: [c("web", { configHash: "other", imageDigest: "sha256:bbbbbbbbbbbbbbbb" }), c("migrate")],
    });
    expect(drift.map((d) => d.kind)).toEqual(["recreated", "image"]);
    expect(drift[1]?.message).toBe("web: runs image bbbbbbbbbbbb, deployed aaaaaaaaaaaa");
  });

  it("names containers the deployed compose files do not define, but not skipped ones", () => {
    const drift = detectDrift({
      deployed,
      containers: [c("web"), c("migrate"), c("debug"), c("sidecar", { skip: true })],
    });
    expect(drift).toEqual([
      { kind: "extra", service: "debug", message: "debug: container p-debug-1 is not in the deployed compose files" },
    ]);
  });

  it("does not judge the state of ignore_services", () => {
    expect(
      detectDrift({ deployed, containers: [c("web", { state: "exited", exitCode: 1 })], ignoreServices: ["web"] }),
    ).toEqual([{ kind: "missing", service: "migrate", message: "migrate: its container is missing" }]);
  });
});
