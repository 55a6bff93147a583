// Vitest global setup for integration tests: starts the shared private
// daemons once per run, a set for each lane (test-lanes.ts), and hands their
// DOCKER_HOSTs to every test file.
import type { TestProject } from "vitest/node";
import { dockerUnavailableReason } from "./availability.js";
import { type PrivateDockerd, startDockerd } from "./dockerd.js";
import { BUSYBOX_IMAGE, ensureImage } from "./image.js";
import { DAEMONS_PER_LANE, TEST_LANES } from "./test-lanes.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Lane after lane, DAEMONS_PER_LANE each. */
    "tugboat.dockerHosts": string[];
    "tugboat.dockerSkipReason": string;
  }
}

export default async function setup(project: TestProject) {
  const reason = dockerUnavailableReason();
  if (reason) {
    if (process.env.CI === "true") throw new Error(`Docker-backed tests cannot run under CI=true: ${reason}`);
    console.warn(`\n!!! SKIPPING Docker-backed tests: ${reason} !!!\n`);
    project.provide("tugboat.dockerHosts", []);
    project.provide("tugboat.dockerSkipReason", reason);
    return;
  }
  const started = await Promise.allSettled(Array.from({ length: TEST_LANES * DAEMONS_PER_LANE }, () => startDockerd()));
  const daemons = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const teardown = async () => {
    await Promise.all(daemons.map((daemon: PrivateDockerd) => daemon.stop()));
  };
  const failure = started.find((result) => result.status === "rejected");
  if (failure) {
    await teardown();
    throw failure.reason;
  }
  await Promise.all(daemons.map((daemon) => ensureImage(daemon.dockerHost, BUSYBOX_IMAGE)));
  project.provide(
    "tugboat.dockerHosts",
    daemons.map((daemon) => daemon.dockerHost),
  );
  project.provide("tugboat.dockerSkipReason", "");
  return teardown;
}
