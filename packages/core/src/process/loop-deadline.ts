// A deadline for a peer's answer that does not count the time core's own
// event loop was busy. Timers run before the I/O that arrived meanwhile is
// read: after a long synchronous stretch (planning a large fleet), a plain
// timer would expire while the answer it waits for sits unread, and blame the
// peer. At 500 simulated agents that failed the first sync's first 64 deploys
// ("did not answer within 3 s") in one run of bench/scale.ts.
import { performance } from "node:perf_hooks";

/** A timer that fires later than this was held up by core, not by the peer. */
const STALLED_MS = 250;
/** However busy core is, a deadline of `ms` expires by `ms` times this: it stays a deadline. */
const AT_MOST_TIMES = 10;

export interface LoopDeadline {
  clear(): void;
}

/**
 * Calls `expire` after `ms`, unless cleared first. When the timer comes late
 * by more than STALLED_MS, the wait is extended by as long as it was late: the
 * peer gets back the time core was not listening, and its answer is read first;
 * never past AT_MOST_TIMES × `ms` in all.
 */
export function loopDeadline(ms: number, expire: () => void): LoopDeadline {
  const last = performance.now() + ms * AT_MOST_TIMES;
  let due = performance.now() + ms;
  let timer: NodeJS.Timeout;
  const check = () => {
    const now = performance.now();
    const late = now - due;
    if (late > STALLED_MS && now < last) {
      due = Math.min(now + late, last);
      timer = setTimeout(check, due - now);
      return;
    }
    expire();
  };
  timer = setTimeout(check, ms);
  return { clear: () => clearTimeout(timer) };
}
