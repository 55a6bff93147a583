// Follows one container's log through the Engine API, from a cursor: Docker's
// timestamp of the last line shipped and how many lines had exactly it (a
// burst can share one). Every line is masked with its stack's secret values
// and cut at 16 KiB before it is buffered. When the buffer is full the
// follower stops reading; `resume()` starts again from its cursor.
import { advanceCursor, type LogCursor } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";
import type { LogBuffer } from "./log-buffer.js";

const MAX_LINE = 16 * 1024;
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/s;

/** Docker's `since`: seconds since the epoch with the timestamp's own fraction, so nothing is lost to rounding. */
export function sinceOf(ts: string): string {
  const [whole = "", fraction = ""] = ts.replace(/Z$/, "").split(".");
  const seconds = Math.floor(Date.parse(`${whole}Z`) / 1000);
  return `${seconds}.${fraction.padEnd(9, "0").slice(0, 9)}`;
}

export interface FollowTarget {
  id: string;
  stack: string;
  service: string;
  tty: boolean;
  mask: (line: string) => string;
}

export interface FollowerOptions {
  engine: DockerEngine;
  buffer: LogBuffer;
  target: FollowTarget;
  /** Where to start: the cursor core has, else a time (core's retention), else the last lines. */
  start: { cursor: LogCursor } | { since: string } | { tail: number };
  onError: (error: Error) => void;
  /** The buffer was full: the follower stopped reading. */
  onPause: () => void;
}

export class Follower {
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private cursor: LogCursor | undefined;
  paused = false;
  /** The follow ended by itself: the container stopped. */
  ended = false;

  constructor(private readonly options: FollowerOptions) {
    this.cursor = "cursor" in options.start ? options.start.cursor : undefined;
  }

  get target(): FollowTarget {
    return this.options.target;
  }

  get position(): LogCursor | undefined {
    return this.cursor;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.paused = false;
    this.ended = false;
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.read(abort.signal)
      .catch((error: Error) => this.options.onError(error))
      .finally(() => {
        this.running = undefined;
        if (!abort.signal.aborted) this.ended = true;
      });
  }

  /** Stops reading; `resume()` goes on from the cursor. */
  pause(): void {
    if (!this.paused) this.options.onPause();
    this.paused = true;
    this.abort?.abort();
  }

  resume(): void {
    if (this.paused && this.running === undefined) this.start();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
  }

  private async read(signal: AbortSignal): Promise<void> {
    const { engine, buffer, target, start } = this.options;
    const from = this.cursor;
    let skip = from?.n ?? 0;
    const lines = engine.logs(target.id, {
      follow: true,
      timestamps: true,
      tty: target.tty,
      signal,
      ...(from
        ? { since: sinceOf(from.ts) }
        : "since" in start
          ? { since: sinceOf(start.since) }
          : "tail" in start
            ? { tail: start.tail }
            : {}),
    });
    for await (const { stream, line } of lines) {
      if (signal.aborted) return;
      const match = TIMESTAMP.exec(line);
      if (!match) continue;
      const ts = match[1] as string;
      const text = match[2] as string;
      if (from && ts < from.ts) continue;
      if (from && ts === from.ts && skip > 0) {
        skip -= 1;
        continue;
      }
      this.cursor = advanceCursor(this.cursor, ts);
      const masked = target.mask(text.endsWith("\r") ? text.slice(0, -1) : text);
      const room = buffer.push({
        ts,
        stack: target.stack,
        service: target.service,
        container: target.id,
        stream,
        line: masked.length > MAX_LINE ? `${masked.slice(0, MAX_LINE)}…[cut at 16 KiB]` : masked,
      });
      if (!room) {
        this.pause();
        return;
      }
    }
  }
}
