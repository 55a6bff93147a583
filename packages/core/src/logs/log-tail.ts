// Live tails: every line core stores goes to the subscribers whose filter it
// matches. A subscriber that does not keep up (a slow browser) loses lines
// past its queue's bound and is told how many, instead of core holding them.

import { parseQuery, type QueryTerm } from "./log-query.js";
import type { LogFilter, StoredLine } from "./log-store.js";

const QUEUE = 5_000;

export interface TailSubscriber {
  /** Lines waiting to be sent, oldest first. */
  take(): { lines: StoredLine[]; dropped: number };
  close(): void;
}

/** Whether a stored line matches a tail's filter (its query parsed once): the same fields a search has, its words as whole words. */
function tailMatches(filter: LogFilter, terms: readonly QueryTerm[], line: StoredLine): boolean {
  if (filter.servers?.length && !filter.servers.includes(line.server)) return false;
  if (filter.stacks?.length && !filter.stacks.includes(line.stack)) return false;
  if (filter.services?.length && !filter.services.includes(line.service)) return false;
  if (filter.containers?.length && !filter.containers.some((c) => c.slice(0, 12) === line.container)) return false;
  if (filter.streams?.length && !filter.streams.includes(line.stream)) return false;
  if (filter.levels?.length && (line.level === null || !filter.levels.includes(line.level))) return false;
  if (terms.length === 0) return true;
  const words = ` ${(line.line.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(" ")} `;
  return terms.every((term) => {
    const phrase = ` ${term.words.join(" ")}${term.prefix ? "" : " "}`;
    return words.includes(phrase) !== term.negate;
  });
}

export class LogTail {
  private readonly subscribers = new Set<{
    filter: LogFilter;
    terms: QueryTerm[];
    queue: StoredLine[];
    dropped: number;
    wake: () => void;
  }>();

  publish(lines: readonly StoredLine[]): void {
    for (const subscriber of this.subscribers) {
      let added = false;
      for (const line of lines) {
        if (!tailMatches(subscriber.filter, subscriber.terms, line)) continue;
        if (subscriber.queue.length >= QUEUE) subscriber.dropped += 1;
        else subscriber.queue.push(line);
        added = true;
      }
      if (added) subscriber.wake();
    }
  }

  /** `wake` is called when lines arrive; `take()` then gets them. */
  subscribe(filter: LogFilter, wake: () => void): TailSubscriber {
    const terms = filter.query ? parseQuery(filter.query) : [];
    const subscriber = { filter, terms, queue: [] as StoredLine[], dropped: 0, wake };
    this.subscribers.add(subscriber);
    return {
      take: () => {
        const taken = { lines: subscriber.queue, dropped: subscriber.dropped };
        subscriber.queue = [];
        subscriber.dropped = 0;
        return taken;
      },
      close: () => {
        this.subscribers.delete(subscriber);
      },
    };
  }

  get size(): number {
    return this.subscribers.size;
  }
}
