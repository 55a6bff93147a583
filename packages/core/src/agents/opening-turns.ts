// Core opens a bounded number of connections to agents at once. Each TLS
// handshake costs core CPU; when thousands start together (the first sync of
// a large fleet deploys every stack), they all run slowly and miss their
// connect deadline, though every agent answers: at 500 simulated agents, 4,894
// of 5,000 first deploys failed so. Waiting for a turn is core's own queue, so
// a connection's deadline runs from its turn. A turn ends when the connection
// is made and trusted, or failed: a kept-alive connection ends it at once.
import pLimit from "p-limit";

/** Connections being opened at once (handshakes of a few milliseconds of CPU each, on a LAN). */
export const OPENING_AT_ONCE = 64;

const opening = pLimit(OPENING_AT_ONCE);

/**
 * Waits for a turn to open a connection; resolves with the function that
 * ends it (idempotent). A turn waited for by an aborted call ends at once:
 * the caller sees its signal aborted and gives up.
 */
export function openingTurn(signal: AbortSignal): Promise<() => void> {
  if (signal.aborted) return Promise.resolve(() => {});
  return new Promise((resolve) => {
    const onAbort = () => resolve(() => {});
    signal.addEventListener("abort", onAbort, { once: true });
    // The turn lasts until `ended` is called; it never fails.
    opening(
      () =>
        new Promise<void>((ended) => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) return ended();
          resolve(() => ended());
        }),
    ).catch(() => undefined);
  });
}

/** Turns being waited for now (for tests and benchmarks). */
export const waitingTurns = (): number => opening.pendingCount;
