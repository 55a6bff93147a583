// When an outbound agent dials core again after a failure: exponential, capped,
// with "equal jitter" (half the delay fixed, half random) so a fleet that lost
// core at the same moment does not come back in one burst.

const FIRST_MS = 1_000;
const MAX_MS = 60_000;

/** The wait before attempt `failures` + 1; `random` is in [0, 1). */
export function reconnectDelay(failures: number, random: number = Math.random()): number {
  const ceiling = Math.min(MAX_MS, FIRST_MS * 2 ** Math.min(failures, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
