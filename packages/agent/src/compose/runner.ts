// Which Compose the agent runs: the `docker compose` v2 plugin when present,
// else the standalone `docker-compose` (v1 on Debian 12). /info reports it.
import { exec } from "../exec/exec.js";

export interface ComposeRunner {
  kind: "plugin" | "standalone";
  /** The argv prefix: ["docker", "compose"] or ["docker-compose"]. */
  argv: readonly string[];
  version: string;
}

const CANDIDATES = [
  { kind: "plugin", argv: ["docker", "compose"] },
  { kind: "standalone", argv: ["docker-compose"] },
] as const;

/** Asks a candidate for its version; undefined when it is not installed or fails. */
export type VersionProbe = (argv: readonly string[]) => Promise<string | undefined>;

export const probeVersion: VersionProbe = async (argv) => {
  try {
    const { stdout } = await exec([...argv, "version", "--short"]);
    const version = stdout.trim().replace(/^v/, "");
    return /^\d+\.\d+/.test(version) ? version : undefined;
  } catch {
    return undefined;
  }
};

export async function detectCompose(probe: VersionProbe = probeVersion): Promise<ComposeRunner | undefined> {
  for (const candidate of CANDIDATES) {
    const version = await probe(candidate.argv);
    if (version) return { kind: candidate.kind, argv: candidate.argv, version };
  }
  return undefined;
}
