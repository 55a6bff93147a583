// Access, from a test file, to the private daemons the global setup started.
import { inject } from "vitest";

export interface SharedDaemons {
  /** DOCKER_HOST of each shared private daemon; empty when skipped. */
  hosts: readonly string[];
  /** Why Docker-backed tests are skipped here, or "" when they run. */
  skipReason: string;
}

export function sharedDaemons(): SharedDaemons {
  return { hosts: inject("tugboat.dockerHosts"), skipReason: inject("tugboat.dockerSkipReason") };
}

/** The shared daemon at `index`, for use inside a test body (never at collection time). */
export function daemonHost(daemons: SharedDaemons, index: number): string {
  const host = daemons.hosts[index];
  if (host === undefined) throw new Error(`no shared private dockerd #${index} (${daemons.hosts.length} started)`);
  return host;
}
