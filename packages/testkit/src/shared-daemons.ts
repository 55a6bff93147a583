// Access, from a test file, to the private daemons the global setup started.
import { inject } from "vitest";
import { currentLane, DAEMONS_PER_LANE } from "./test-lanes.js";

export interface SharedDaemons {
  /** DOCKER_HOST of each shared private daemon of this file's lane; empty when skipped. */
  hosts: readonly string[];
  /** Why Docker-backed tests are skipped here, or "" when they run. */
  skipReason: string;
}

export function sharedDaemons(): SharedDaemons {
  const start = currentLane() * DAEMONS_PER_LANE;
  const hosts = inject("tugboat.dockerHosts").slice(start, start + DAEMONS_PER_LANE);
  return { hosts, skipReason: inject("tugboat.dockerSkipReason") };
}

/** The shared daemon at `index`, for use inside a test body (never at collection time). */
export function daemonHost(daemons: SharedDaemons, index: number): string {
  const host = daemons.hosts[index];
  if (host === undefined) throw new Error(`no shared private dockerd #${index} (${daemons.hosts.length} started)`);
  return host;
}
