// A signal that aborts when any of some others does, that lets go of them
// when asked. AbortSignal.any keeps every composite it made from a signal that
// never aborts (nodejs/node#55351): made per request from core's lifelong
// shutdown signal, that grew core's heap by some 10 MB an hour (bench/soak.ts).
//
// Each source gets one listener of ours, whatever follows it: an EventTarget
// walks its listeners on every add (to skip duplicates), and core's lifelong
// signal is followed by every request in flight, a long poll per agent among
// them; a listener each made every request pay for all the others (at 500
// agents, 4 % of a status round's CPU in addEventListener).
export interface LinkedSignal {
  signal: AbortSignal;
  /** Stops following the sources: call it when the work the signal guards is done. */
  release(): void;
}

/** Each source followed now: the controllers to abort with it, and our one listener on it. */
const followers = new WeakMap<AbortSignal, { controllers: Set<AbortController>; onAbort: () => void }>();

function follow(source: AbortSignal, controller: AbortController): void {
  let entry = followers.get(source);
  if (!entry) {
    const controllers = new Set<AbortController>();
    const onAbort = () => {
      followers.delete(source);
      for (const follower of controllers) follower.abort(source.reason);
    };
    entry = { controllers, onAbort };
    followers.set(source, entry);
    source.addEventListener("abort", onAbort, { once: true });
  }
  entry.controllers.add(controller);
}

/** Stops following `source`; the last to let go removes our listener (nothing stays on a lifelong signal). */
function unfollow(source: AbortSignal, controller: AbortController): void {
  const entry = followers.get(source);
  if (!entry?.controllers.delete(controller) || entry.controllers.size > 0) return;
  followers.delete(source);
  source.removeEventListener("abort", entry.onAbort);
}

export function linkedSignal(sources: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const followed = sources.filter((s): s is AbortSignal => s !== undefined);
  const release = () => {
    for (const source of followed) unfollow(source, controller);
  };
  const aborted = followed.find((source) => source.aborted);
  if (aborted) controller.abort(aborted.reason);
  else for (const source of followed) follow(source, controller);
  return { signal: controller.signal, release };
}
