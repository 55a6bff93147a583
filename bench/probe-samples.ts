// Reading what bench/soak-probe.mjs wrote: one JSON line per sample of a
// process's memory and CPU, loaded into it with node --import.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The module to load with `--import` into a process to be sampled. */
export const PROBE = fileURLToPath(new URL("./soak-probe.mjs", import.meta.url));
export const MB = 1024 * 1024;

export interface Sample {
  /** ms since the epoch */
  at: number;
  rss: number;
  heapUsed: number;
  /** What V8 has committed for each heap space (physical bytes), by the space's name. */
  spaces?: Record<string, number>;
  /** process.cpuUsage() since the process started, µs */
  cpu: { user: number; system: number };
  /** Since the previous sample, ms: the event loop's longest delay and 99th percentile, and the longest GC pause. */
  loopDelay?: { max: number; p99: number };
  longestGc?: number;
}

/** The samples in `file` so far, taken at or after `from` (ms). */
export async function samples(file: string, from = 0): Promise<Sample[]> {
  return (await readFile(file, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Sample)
    .filter((s) => s.at >= from);
}
