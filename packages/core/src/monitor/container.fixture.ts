// Tests' agent-reported container: a running service with no healthcheck,
// every field set; a test gives only what it is about.
import type { ContainerStatus } from "@tugboat/protocol";

export function containerStatus(fields: Partial<ContainerStatus> = {}): ContainerStatus {
  const service = fields.service ?? "app";
  return {
    service,
    name: `p-${service}-1`,
    id: `id-${service}`,
    state: "running",
    health: "none",
    exitCode: 0,
    image: "local/busybox:1",
    imageDigest: "",
    created: "",
    restartCount: 0,
    skip: false,
    configHash: "",
    failingStreak: 0,
    imageId: "",
    repoDigests: [],
    platform: "",
    ...fields,
  };
}
