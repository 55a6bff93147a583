// Which container core runs in, if any: Docker bind-mounts the container's
// own hostname, hosts and resolv.conf files from
// <data-root>/containers/<id>/, so the mount table names the id. Agents are
// told it and never stop, recreate or remove that container, even when the
// repository manages the stack core runs in.
import { readFileSync } from "node:fs";

const OWN_FILE =
  /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf) \/etc\/(?:hostname|hosts|resolv\.conf) /;

/** The id in a mount table (/proc/self/mountinfo), or undefined outside a container. */
export function containerIdIn(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    const match = OWN_FILE.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

export function ownContainerId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.TUG_CONTAINER_ID ?? "";
  if (/^[0-9a-f]{64}$/.test(given)) return given;
  try {
    return containerIdIn(readFileSync("/proc/self/mountinfo", "utf8"));
  } catch {
    return undefined;
  }
}
