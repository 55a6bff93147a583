// The fleet's stored logs as the API serves them: search with filters and
// context, live tail (server-sent events), export, and the collectors' state.
import { z } from "zod";

const LEVEL = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);

/** `a,b` or one value: several servers, stacks, … */
const List = z
  .string()
  .max(4_096)
  .transform((text) =>
    text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** An ISO timestamp, or how long ago: `90s`, `15m`, `2h`, `7d`. */
const When = z
  .string()
  .max(64)
  .refine((text) => /^\d+[smhd]$/.test(text) || !Number.isNaN(Date.parse(text)), "an ISO time or a duration like 15m");

export const LogFilterQuery = z.object({
  /** Words to find (all of them), "a phrase", prefix*, -excluded. */
  q: z.string().max(500).optional(),
  server: List.optional(),
  stack: List.optional(),
  service: List.optional(),
  container: List.optional(),
  stream: z.enum(["stdout", "stderr"]).optional(),
  level: List.pipe(z.array(LEVEL)).optional(),
  since: When.optional(),
  until: When.optional(),
});

export const LogSearchQuery = LogFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  /** The `next` of the page before. */
  before: z.string().max(64).optional(),
  /** Lines of the same container around each hit. */
  context: z.coerce.number().int().min(0).max(20).default(0),
});

export const LogExportQuery = LogFilterQuery.extend({
  format: z.enum(["text", "ndjson"]).default("text"),
  /** At most this many lines (the newest), written oldest first; narrow a larger export with since/until. */
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});

export const StoredLogLineView = z.object({
  id: z.number(),
  /** ISO time with microseconds. */
  at: z.string(),
  server: z.string(),
  stack: z.string(),
  service: z.string(),
  container: z.string(),
  stream: z.enum(["stdout", "stderr"]),
  level: LEVEL.nullable(),
  line: z.string(),
});
export type StoredLogLineView = z.infer<typeof StoredLogLineView>;

export const LogSearchView = z.object({
  lines: z.array(
    StoredLogLineView.extend({
      context: z.object({ before: z.array(StoredLogLineView), after: z.array(StoredLogLineView) }).optional(),
    }),
  ),
  /** Pass as `before` for the next, older, page; null at the end. */
  next: z.string().nullable(),
});
export type LogSearchView = z.infer<typeof LogSearchView>;

export const LogStatusView = z.object({
  store: z.object({ bytes: z.number(), lines: z.number(), maxBytes: z.number(), retentionDays: z.number() }),
  servers: z.array(
    z.object({
      server: z.string(),
      following: z.number(),
      paused: z.number(),
      pauses: z.number(),
      lastBatchAt: z.string().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
});

export const LogContextParams = z.object({ id: z.coerce.number().int().positive() });
export const LogContextQuery = z.object({ lines: z.coerce.number().int().min(1).max(200).default(20) });
export const LogContextView = z.object({
  line: StoredLogLineView,
  before: z.array(StoredLogLineView),
  after: z.array(StoredLogLineView),
});
export type LogContextView = z.infer<typeof LogContextView>;
