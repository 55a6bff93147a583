// Log shipping between agent and core. Core pulls: it long-polls
// `POST /logs/batch` on each agent and stores what it gets. Each line
// carries its Docker timestamp; a cursor per container (the last timestamp
// stored, and how many lines with exactly that timestamp) lets an agent that
// restarted, or a core that restarted, resume exactly where the store ends.
import { z } from "zod";

/** Where core's store ends for one container: Docker's RFC 3339 timestamp, and lines already stored at exactly it. */
export const LogCursor = z.object({
  ts: z.string().max(40),
  n: z.number().int().min(0),
});
export type LogCursor = z.infer<typeof LogCursor>;

/** The cursor after one more line at `ts` (Docker's timestamps have a fixed width, so strings compare in time order). */
export function advanceCursor(cursor: LogCursor | undefined, ts: string): LogCursor {
  return cursor?.ts === ts ? { ts, n: cursor.n + 1 } : { ts, n: 1 };
}

/**
 * The longest a `POST /logs/batch` may be held (`waitMs`). An agent says in
 * its reply (`longestWaitMs`) that it accepts this much; one that does not
 * say accepts 30 s, and core asks no more of it.
 */
export const LOG_WAIT_MAX_MS = 120_000;
export const LOG_WAIT_LEGACY_MS = 30_000;

export const LogBatchRequest = z.object({
  /** The shipping session core last saw ("" when it has none): another one means the agent starts over. */
  epoch: z.string().max(64).default(""),
  /** Every line up to this sequence number is stored: the agent may forget them. */
  after: z.number().int().min(0).default(0),
  /** Starts a new session there: where core's store ends, by container ID. */
  cursors: z.record(z.string().max(128), LogCursor).optional(),
  /** With cursors: a container core has none for is shipped from this time (RFC 3339; core keeps nothing older). */
  from: z.string().max(40).optional(),
  /** Hold the request up to this long when nothing new is buffered. */
  waitMs: z.number().int().min(0).max(LOG_WAIT_MAX_MS).default(0),
  max: z.number().int().min(1).max(10_000).default(2_000),
});
export type LogBatchRequest = z.input<typeof LogBatchRequest>;

export const ShippedLine = z.object({
  seq: z.number().int(),
  /** Docker's timestamp of the line (RFC 3339, nanoseconds). */
  ts: z.string(),
  stack: z.string(),
  service: z.string(),
  container: z.string(),
  stream: z.enum(["stdout", "stderr"]),
  /** The line, the stack's secret values masked, cut at 16 KiB. */
  line: z.string(),
});
export type ShippedLine = z.infer<typeof ShippedLine>;

export const LogBatch = z.object({
  /** This session's; "" asks core to call again with its cursors (the agent restarted). */
  epoch: z.string(),
  lines: z.array(ShippedLine),
  /** Containers followed now. */
  following: z.number().int(),
  /**
   * Followers paused because the buffer is full (core is behind): they resume
   * from their cursor, losing nothing Docker still keeps. Counted since the
   * session began, so core can report how often shipping had to wait.
   */
  paused: z.number().int(),
  pauses: z.number().int(),
  /** The longest `waitMs` this agent accepts (absent: 30 s). An idle host is asked again that much less often. */
  longestWaitMs: z.number().int().min(0).optional(),
});
export type LogBatch = z.infer<typeof LogBatch>;
