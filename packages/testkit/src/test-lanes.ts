// Integration test files run side by side, one per lane (a Vitest worker).
// Each lane has its own shared private daemons, so two files running at the
// same time never share a dockerd: a file sees the daemons as it would in a
// serial run, with only earlier files of its own lane before it.

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * How many test files run at once (`TUG_TEST_WORKERS`, default 2). The suite
 * is mostly CPU-bound on a 2-core machine: two lanes took 1,254 s where one
 * took 1,825 s, three took 1,660 s and four tests ran out of time.
 */
export const TEST_LANES = positiveInteger("TUG_TEST_WORKERS", 2);

/** Shared private daemons per lane (`TUG_TEST_DOCKERDS`, default 3). */
export const DAEMONS_PER_LANE = positiveInteger("TUG_TEST_DOCKERDS", 3);

/** This file's lane, 0-based: Vitest numbers its workers 1..maxWorkers in VITEST_POOL_ID. */
export function currentLane(): number {
  const lane = Number(process.env.VITEST_POOL_ID ?? 1) - 1;
  if (!Number.isInteger(lane) || lane < 0 || lane >= TEST_LANES) {
    throw new Error(
      `VITEST_POOL_ID=${process.env.VITEST_POOL_ID} is outside the ${TEST_LANES} test lanes: set TUG_TEST_WORKERS, not --maxWorkers`,
    );
  }
  return lane;
}
