// Benchmark results: one JSON file per benchmark under bench/results/, turned
// into docs/benchmarks.md by bench/run.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export interface BenchResult {
  name: string;
  title: string;
  command: string;
  rows: Array<{ metric: string; value: string; goal?: string; ok?: boolean }>;
  /** The day it was measured (set when written). */
  measured?: string;
}

export const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export async function writeResult(result: BenchResult): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const measured = new Date().toISOString().slice(0, 10);
  await writeFile(`${RESULTS_DIR}${result.name}.json`, `${JSON.stringify({ ...result, measured }, null, 2)}\n`);
}
