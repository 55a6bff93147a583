// The only code that touches the log database: lines stored with their
// cursors in one transaction, full-text search (FTS5 on SQLite, tsvector on
// PostgreSQL) with filters, context around a line, and retention.
//
// Order: a text search walks the full-text index newest first by row id (the
// order lines arrived in), so it stops after one page even for a common word;
// a search by filters alone walks the time index. Either way a page is shown
// in time order, and its cursor (opaque to callers) says where the next,
// older, page starts.
import { advanceCursor, type LogCursor, type ShippedLine } from "@tugboat/protocol";
import { sql } from "kysely";
import type { LogDb, LogDialect } from "./log-database.js";
import { detectLevel, fts5Match, LEVELS, type LogLevel, parseQuery, tsqueryParts } from "./log-query.js";

export interface StoredLine {
  id: number;
  /** Microseconds since the epoch. */
  at: number;
  server: string;
  stack: string;
  service: string;
  container: string;
  stream: "stdout" | "stderr";
  level: LogLevel | null;
  line: string;
}

export interface LogFilter {
  servers?: readonly string[];
  stacks?: readonly string[];
  services?: readonly string[];
  containers?: readonly string[];
  streams?: ReadonlyArray<"stdout" | "stderr">;
  levels?: readonly LogLevel[];
  /** Microseconds since the epoch, inclusive. */
  since?: number;
  until?: number;
  /** Words to find (see log-query.ts). */
  query?: string;
}

export interface LogPage {
  lines: StoredLine[];
  /** Give it back as `before` for the next (older) page; null at the end. */
  next: string | null;
}

interface Source {
  id: number;
  server: string;
  stack: string;
  service: string;
  container: string;
}

/** Docker's RFC 3339 timestamp (nanoseconds) as microseconds since the epoch. */
export function microseconds(ts: string): number {
  const [whole = "", fraction = ""] = ts.replace(/Z$/, "").split(".");
  return Date.parse(`${whole}Z`) * 1000 + Number(fraction.padEnd(6, "0").slice(0, 6));
}

const SHORT_ID = 12;

export class LogStore {
  private readonly sources = new Map<string, Source>();
  private readonly byId = new Map<number, Source>();

  constructor(
    private readonly db: LogDb,
    private readonly dialect: LogDialect,
    /** Core's own masking, on top of the agent's. */
    private readonly mask: (text: string) => string = (text) => text,
  ) {}

  /** Stores a batch from one server and moves its containers' cursors, in one transaction. */
  async append(server: string, lines: readonly ShippedLine[]): Promise<StoredLine[]> {
    if (lines.length === 0) return [];
    const stored: StoredLine[] = [];
    await this.db.transaction().execute(async (tx) => {
      const cursors = new Map<string, LogCursor>();
      const rows = [];
      for (const shipped of lines) {
        const source = await this.source(tx as unknown as LogDb, server, shipped);
        const line = this.mask(shipped.line);
        const level = detectLevel(line) ?? null;
        rows.push({
          at: microseconds(shipped.ts),
          source: source.id,
          stream: shipped.stream === "stderr" ? 1 : 0,
          level: level === null ? null : LEVELS.indexOf(level),
          line,
        });
        cursors.set(shipped.container, advanceCursor(cursors.get(shipped.container), shipped.ts));
      }
      // Bounded statements: SQLite allows at most 32,766 parameters in one.
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        const inserted = await tx.insertInto("logs").values(chunk).returning("id").execute();
        for (const [j, { id }] of inserted.entries()) {
          const row = chunk[j] as (typeof rows)[number];
          const source = this.byId.get(row.source) as Source;
          stored.push({ ...this.view(source, row), id: Number(id) });
        }
        if (this.dialect === "sqlite") {
          const ids = inserted.map((r) => Number(r.id));
          await sql`INSERT INTO logs_fts(rowid, line) SELECT id, line FROM logs WHERE id >= ${Math.min(...ids)} AND id <= ${Math.max(...ids)}`.execute(
            tx,
          );
        }
      }
      for (const [container, cursor] of cursors) {
        const before = await tx
          .selectFrom("log_cursors")
          .select(["ts", "n"])
          .where("server", "=", server)
          .where("container", "=", container)
          .executeTakeFirst();
        // Lines of this batch at the same timestamp as the stored cursor add to its count.
        const next = before && before.ts === cursor.ts ? { ts: cursor.ts, n: before.n + cursor.n } : cursor;
        await tx
          .insertInto("log_cursors")
          .values({ server, container, ...next })
          .onConflict((oc) => oc.columns(["server", "container"]).doUpdateSet(next))
          .execute();
      }
    });
    return stored;
  }

  /** Where the store ends for each of a server's containers: the agent resumes there. */
  async cursors(server: string): Promise<Record<string, LogCursor>> {
    const rows = await this.db.selectFrom("log_cursors").selectAll().where("server", "=", server).execute();
    return Object.fromEntries(rows.map((r) => [r.container, { ts: r.ts, n: Number(r.n) }]));
  }

  async search(filter: LogFilter, page: { before?: string | null; limit: number }): Promise<LogPage> {
    const sources = await this.matchingSources(filter);
    if (sources !== undefined && sources.length === 0) return { lines: [], next: null };
    const terms = filter.query ? parseQuery(filter.query) : [];
    const text = terms.some((t) => !t.negate);
    let query = this.db.selectFrom("logs").selectAll("logs");
    if (sources) query = query.where("logs.source", "in", sources);
    if (filter.streams?.length)
      query = query.where(
        "logs.stream",
        "in",
        filter.streams.map((s) => (s === "stderr" ? 1 : 0)),
      );
    if (filter.levels?.length)
      query = query.where(
        "logs.level",
        "in",
        filter.levels.map((l) => LEVELS.indexOf(l)),
      );
    if (filter.since !== undefined) query = query.where("logs.at", ">=", filter.since);
    if (filter.until !== undefined) query = query.where("logs.at", "<=", filter.until);
    const before = decodeCursor(page.before);
    if (text && this.dialect === "sqlite") {
      // The index's own rowid order, newest first: SQLite walks it and stops after a page.
      query = query
        .innerJoin(sql<{ rowid: number }>`logs_fts`.as("f"), (join) => join.onRef(sql.ref("f.rowid"), "=", "logs.id"))
        .where(sql<boolean>`f.logs_fts MATCH ${fts5Match(terms)}`);
      if (before) query = query.where(sql<boolean>`f.rowid < ${before.id}`);
      query = query.orderBy(sql`f.rowid`, "desc");
    } else if (text) {
      for (const part of tsqueryParts(terms)) {
        const tsquery = part.prefix
          ? sql`to_tsquery('simple', ${part.text})`
          : sql`phraseto_tsquery('simple', ${part.text})`;
        query = query.where(part.negate ? sql<boolean>`NOT (tsv @@ ${tsquery})` : sql<boolean>`tsv @@ ${tsquery}`);
      }
      if (before) query = query.where("logs.id", "<", before.id);
      query = query.orderBy("logs.id", "desc");
    } else {
      if (before)
        query = query.where((eb) =>
          eb.or([
            eb("logs.at", "<", before.at),
            eb.and([eb("logs.at", "=", before.at), eb("logs.id", "<", before.id)]),
          ]),
        );
      query = query.orderBy("logs.at", "desc").orderBy("logs.id", "desc");
    }
    const rows = await query.limit(page.limit + 1).execute();
    const more = rows.length > page.limit;
    const kept = rows.slice(0, page.limit);
    const last = kept.at(-1);
    const lines = (await this.views(kept)).sort((a, b) => a.at - b.at || a.id - b.id);
    return { lines, next: more && last ? encodeCursor({ at: Number(last.at), id: Number(last.id) }) : null };
  }

  /** One line, or undefined. */
  async get(id: number): Promise<StoredLine | undefined> {
    const row = await this.db.selectFrom("logs").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? (await this.views([row]))[0] : undefined;
  }

  /** Up to `count` lines of the same container before and after a line, in time order. */
  async context(id: number, count: number): Promise<{ before: StoredLine[]; after: StoredLine[] }> {
    const hit = await this.db.selectFrom("logs").selectAll().where("id", "=", id).executeTakeFirst();
    if (!hit || count === 0) return { before: [], after: [] };
    const at = Number(hit.at);
    const side = (older: boolean) =>
      this.db
        .selectFrom("logs")
        .selectAll()
        .where("source", "=", hit.source)
        .where((eb) =>
          older
            ? eb.or([eb("at", "<", at), eb.and([eb("at", "=", at), eb("id", "<", id)])])
            : eb.or([eb("at", ">", at), eb.and([eb("at", "=", at), eb("id", ">", id)])]),
        )
        .orderBy("at", older ? "desc" : "asc")
        .orderBy("id", older ? "desc" : "asc")
        .limit(count)
        .execute();
    const [older, newer] = await Promise.all([side(true), side(false)]);
    return { before: (await this.views(older)).reverse(), after: await this.views(newer) };
  }

  /** Deletes the lines older than `at` (µs), a chunk at a time; returns how many. */
  async deleteBefore(at: number): Promise<number> {
    return this.deleteWhile(async () => {
      const rows = await this.db
        .selectFrom("logs")
        .select("id")
        .where("at", "<", at)
        .orderBy("at")
        .limit(10_000)
        .execute();
      return rows.map((r) => Number(r.id));
    });
  }

  /** Deletes the oldest lines until the store holds about `maxBytes` (90 % of it, so it does not trim every minute). */
  async trimTo(maxBytes: number): Promise<number> {
    const { bytes, rows } = await this.size();
    if (bytes <= maxBytes || rows === 0) return 0;
    const excess = Math.ceil(((bytes - maxBytes * 0.9) / bytes) * rows);
    let left = excess;
    return this.deleteWhile(async () => {
      if (left <= 0) return [];
      const chunk = await this.db.selectFrom("logs").select("id").orderBy("at").limit(Math.min(left, 10_000)).execute();
      left -= chunk.length;
      return chunk.map((r) => Number(r.id));
    });
  }

  /** What the logs take: the database file's used pages (SQLite), the tables with their indexes (PostgreSQL). */
  async size(): Promise<{ bytes: number; rows: number }> {
    const rows = Number(
      (
        await this.db
          .selectFrom("logs")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirst()
      )?.n ?? 0,
    );
    if (this.dialect === "sqlite") {
      const pages = await sql<{
        used: number;
      }>`SELECT (page_count - freelist_count) * page_size AS used FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`.execute(
        this.db,
      );
      return { bytes: Number(pages.rows[0]?.used ?? 0), rows };
    }
    const total = await sql<{
      bytes: string;
    }>`SELECT pg_total_relation_size('logs') + pg_total_relation_size('log_sources') AS bytes`.execute(this.db);
    return { bytes: Number(total.rows[0]?.bytes ?? 0), rows };
  }

  private async deleteWhile(next: () => Promise<number[]>): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = await next();
      if (ids.length === 0) break;
      await this.db.transaction().execute(async (tx) => {
        if (this.dialect === "sqlite") await sql`DELETE FROM logs_fts WHERE rowid IN (${sql.join(ids)})`.execute(tx);
        await tx.deleteFrom("logs").where("id", "in", ids).execute();
      });
      deleted += ids.length;
    }
    if (deleted > 0 && this.dialect === "sqlite") await sql`PRAGMA incremental_vacuum`.execute(this.db);
    return deleted;
  }

  private async source(db: LogDb, server: string, line: ShippedLine): Promise<Source> {
    const container = line.container.slice(0, SHORT_ID);
    const key = `${server}|${container}`;
    const known = this.sources.get(key);
    if (known) return known;
    const values = { server, stack: line.stack, service: line.service, container };
    await db
      .insertInto("log_sources")
      .values(values)
      .onConflict((oc) => oc.columns(["server", "container"]).doNothing())
      .execute();
    const row = await db
      .selectFrom("log_sources")
      .selectAll()
      .where("server", "=", server)
      .where("container", "=", container)
      .executeTakeFirstOrThrow();
    return this.remember({ ...row, id: Number(row.id) });
  }

  private remember(source: Source): Source {
    this.sources.set(`${source.server}|${source.container}`, source);
    this.byId.set(source.id, source);
    return source;
  }

  /** The ids of the sources a filter names; undefined when it names none (every source). */
  private async matchingSources(filter: LogFilter): Promise<number[] | undefined> {
    if (!filter.servers?.length && !filter.stacks?.length && !filter.services?.length && !filter.containers?.length)
      return undefined;
    let query = this.db.selectFrom("log_sources").selectAll();
    if (filter.servers?.length) query = query.where("server", "in", [...filter.servers]);
    if (filter.stacks?.length) query = query.where("stack", "in", [...filter.stacks]);
    if (filter.services?.length) query = query.where("service", "in", [...filter.services]);
    if (filter.containers?.length)
      query = query.where(
        "container",
        "in",
        filter.containers.map((c) => c.slice(0, SHORT_ID)),
      );
    return (await query.execute()).map((row) => this.remember({ ...row, id: Number(row.id) }).id);
  }

  private async views(rows: ReadonlyArray<LogDatabaseRow>): Promise<StoredLine[]> {
    const missing = [...new Set(rows.map((r) => Number(r.source)))].filter((id) => !this.byId.has(id));
    if (missing.length > 0)
      for (const row of await this.db.selectFrom("log_sources").selectAll().where("id", "in", missing).execute())
        this.remember({ ...row, id: Number(row.id) });
    return rows.map((row) => ({
      ...this.view(this.byId.get(Number(row.source)) as Source, row),
      id: Number(row.id),
    }));
  }

  private view(source: Source, row: Omit<LogDatabaseRow, "id">): Omit<StoredLine, "id"> {
    return {
      at: Number(row.at),
      server: source.server,
      stack: source.stack,
      service: source.service,
      container: source.container,
      stream: row.stream === 1 ? "stderr" : "stdout",
      level: row.level === null ? null : (LEVELS[row.level] ?? null),
      line: row.line,
    };
  }
}

type LogDatabaseRow = {
  id: number | string;
  at: number | string;
  source: number;
  stream: number;
  level: number | null;
  line: string;
};

function encodeCursor(cursor: { at: number; id: number }): string {
  return `${cursor.at}.${cursor.id}`;
}

function decodeCursor(text: string | null | undefined): { at: number; id: number } | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(text ?? "");
  return match ? { at: Number(match[1]), id: Number(match[2]) } : undefined;
}
