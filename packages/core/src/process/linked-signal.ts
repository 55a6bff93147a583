// A signal that aborts when any of some others does, that lets go of them
// when asked. AbortSignal.any keeps every composite it made from a signal that
// never aborts (nodejs/node#55351): made per request from core's lifelong
// shutdown signal, that grew core's heap by some 10 MB an hour (bench/soak.ts).
import { setMaxListeners } from "node:events";

export interface LinkedSignal {
  signal: AbortSignal;
  /** Stops following the sources: call it when the work the signal guards is done. */
  release(): void;
}

export function linkedSignal(sources: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const followed = sources.filter((s): s is AbortSignal => s !== undefined);
  // A lifelong source is followed by every request in flight (hundreds, on a large fleet):
  // many listeners on it are the design, not a leak, and are each removed on release. (With no
  // target, setMaxListeners would change the default of every emitter: never called so.)
  if (followed.length > 0) setMaxListeners(0, ...followed);
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  const release = () => {
    for (const source of followed) source.removeEventListener("abort", onAbort);
  };
  for (const source of followed) {
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    source.addEventListener("abort", onAbort, { once: true });
  }
  if (controller.signal.aborted) release();
  return { signal: controller.signal, release };
}
