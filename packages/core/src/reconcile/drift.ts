// Drift: how what runs differs from what Tugboat last deployed, named per
// service. Pure functions of what the agent reports; the baseline is what the
// stack's containers were when its deploy (or a heal) succeeded.
import type { ContainerStatus, DriftReason } from "@tugboat/protocol";
import { z } from "zod";

export const DeployedService = z.object({
  service: z.string(),
  /** Compose's config hash: another one means the container was recreated with another configuration. */
  configHash: z.string(),
  imageDigest: z.string(),
  /** It had exited 0 when the deploy ended: a one-shot service, not expected to run. */
  oneShot: z.boolean(),
});
export type DeployedService = z.infer<typeof DeployedService>;

const short = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

/** The baseline drift is measured against: one entry per service, from the containers a deploy left. */
export function deployedServices(containers: readonly ContainerStatus[]): DeployedService[] {
  const byService = new Map<string, DeployedService>();
  for (const c of containers) {
    if (c.skip || byService.has(c.service)) continue;
    byService.set(c.service, {
      service: c.service,
      configHash: c.configHash,
      imageDigest: c.imageDigest,
      oneShot: c.state === "exited" && c.exitCode === 0,
    });
  }
  return [...byService.values()].sort((a, b) => a.service.localeCompare(b.service));
}

function notRunning(c: ContainerStatus): string {
  if (c.state === "exited") return `${c.service}: exited with code ${c.exitCode}`;
  if (c.state === "restarting") return `${c.service}: restarting (last exit code ${c.exitCode})`;
  return `${c.service}: ${c.state}`;
}

/**
 * What differs, service by service: a container missing, or not running when
 * it ran at deploy; one recreated outside Tugboat (another config hash); one
 * running another image; and containers of services the deploy did not have.
 * Containers labelled tugboat.skip / komodo.skip are not Tugboat's to judge.
 */
export function detectDrift(input: {
  deployed: readonly DeployedService[];
  containers: readonly ContainerStatus[];
  /** Komodo's ignore_services: their state is not waited for, nor judged. */
  ignoreServices?: readonly string[];
}): DriftReason[] {
  const ignored = new Set(input.ignoreServices ?? []);
  const containers = input.containers.filter((c) => !c.skip);
  const reasons: DriftReason[] = [];
  for (const deployed of input.deployed) {
    const { service } = deployed;
    const mine = containers.filter((c) => c.service === service);
    if (mine.length === 0) {
      reasons.push({ kind: "missing", service, message: `${service}: its container is missing` });
      continue;
    }
    const running = mine.filter((c) => c.state === "running");
    if (running.length === 0 && !deployed.oneShot && !ignored.has(service)) {
      const first = mine[0] as ContainerStatus;
      reasons.push({ kind: "not-running", service, message: notRunning(first) });
    }
    const recreated = mine.find((c) => c.configHash && deployed.configHash && c.configHash !== deployed.configHash);
    if (recreated)
      reasons.push({
        kind: "recreated",
        service,
        message: `${service}: recreated outside Tugboat (its Compose configuration differs from the deployed one)`,
      });
    const image = mine.find((c) => c.imageDigest && deployed.imageDigest && c.imageDigest !== deployed.imageDigest);
    if (image)
      reasons.push({
        kind: "image",
        service,
        message: `${service}: runs image ${short(image.imageDigest)}, deployed ${short(deployed.imageDigest)}`,
      });
  }
  const known = new Set(input.deployed.map((d) => d.service));
  for (const c of containers.filter((c) => !known.has(c.service)))
    reasons.push({
      kind: "extra",
      service: c.service,
      message: `${c.service}: container ${c.name} is not in the deployed compose files`,
    });
  return reasons;
}
