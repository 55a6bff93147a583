// Where core keeps container logs. SQLite: a file of its own next to
// tugboat.db (logs.db), so a busy ingest never holds the state database's one
// write lock and backups of the state stay small; FTS5 indexes the lines.
// PostgreSQL: the same database as the state, a tsvector column with a GIN
// index. One Kysely schema over both; full-text queries are the store's.
import { chmodSync, closeSync, openSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import {
  type ColumnDefinitionBuilder,
  type Generated,
  Kysely,
  type Migration,
  Migrator,
  PostgresDialect,
  sql,
} from "kysely";
import pg from "pg";
import { QueuedSqliteDialect } from "../db/queued-sqlite.js";

export interface LogDatabase {
  /** One row per container a line came from: lines refer to it by number, so a line costs few bytes. */
  log_sources: {
    id: Generated<number>;
    server: string;
    stack: string;
    service: string;
    container: string;
  };
  logs: {
    id: Generated<number>;
    /** Microseconds since the epoch (Docker's timestamp). */
    at: number;
    source: number;
    /** 0 stdout, 1 stderr. */
    stream: number;
    /** Index into LEVELS, or null when the line says none. */
    level: number | null;
    line: string;
  };
  /** Where the store ends for each container: the agent resumes there. */
  log_cursors: { server: string; container: string; ts: string; n: number };
}

export type LogDb = Kysely<LogDatabase>;
export type LogDialect = "sqlite" | "postgres";

function migrations(dialect: LogDialect): Record<string, Migration> {
  return {
    "001_logs": {
      async up(db: Kysely<unknown>) {
        const id = (c: ColumnDefinitionBuilder) =>
          dialect === "postgres" ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement();
        await db.schema
          .createTable("log_sources")
          .addColumn("id", dialect === "postgres" ? "bigint" : "integer", id)
          .addColumn("server", "text", (c) => c.notNull())
          .addColumn("stack", "text", (c) => c.notNull())
          .addColumn("service", "text", (c) => c.notNull())
          .addColumn("container", "text", (c) => c.notNull())
          .addUniqueConstraint("log_sources_server_container", ["server", "container"])
          .execute();
        await db.schema
          .createTable("logs")
          .addColumn("id", dialect === "postgres" ? "bigint" : "integer", id)
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("source", "integer", (c) => c.notNull())
          .addColumn("stream", "integer", (c) => c.notNull())
          .addColumn("level", "integer")
          .addColumn("line", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("logs_at").on("logs").columns(["at"]).execute();
        await db.schema.createIndex("logs_source_at").on("logs").columns(["source", "at"]).execute();
        // Lines that say a level (errors, warnings …): "every error of the last hour" without a scan.
        await sql`CREATE INDEX logs_level_at ON logs (level, at) WHERE level IS NOT NULL`.execute(db);
        if (dialect === "postgres") {
          await sql`ALTER TABLE logs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', line)) STORED`.execute(
            db,
          );
          await sql`CREATE INDEX logs_tsv ON logs USING gin (tsv)`.execute(db);
        } else {
          // Contentless: the index keeps no copy of the text, which is in `logs`; deletes by rowid still work.
          await sql`CREATE VIRTUAL TABLE logs_fts USING fts5(line, content='', contentless_delete=1, tokenize='unicode61')`.execute(
            db,
          );
        }
        await db.schema
          .createTable("log_cursors")
          .addColumn("server", "text", (c) => c.notNull())
          .addColumn("container", "text", (c) => c.notNull())
          .addColumn("ts", "text", (c) => c.notNull())
          .addColumn("n", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("log_cursors_pk", ["server", "container"])
          .execute();
      },
    },
  };
}

export async function openLogDatabase(options: {
  url?: string;
  dataDir: string;
}): Promise<{ db: LogDb; dialect: LogDialect; close: () => Promise<void> }> {
  let db: LogDb;
  let dialect: LogDialect;
  if (options.url && /^postgres(ql)?:\/\//.test(options.url)) {
    dialect = "postgres";
    db = new Kysely<LogDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.url, max: 4 }) }),
    });
  } else {
    dialect = "sqlite";
    const file = join(options.dataDir, "logs.db");
    closeSync(openSync(file, "a", 0o600));
    chmodSync(file, 0o600);
    const sqlite = new SQLite(file);
    // Deleted pages go back to the file system as retention frees them (set before the first table).
    sqlite.pragma("auto_vacuum = INCREMENTAL");
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    db = new Kysely<LogDatabase>({ dialect: new QueuedSqliteDialect({ database: sqlite }) });
  }
  const migrator = new Migrator({
    db: db as Kysely<unknown>,
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: "log_migrations",
    migrationLockTableName: "log_migrations_lock",
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  return { db, dialect, close: () => db.destroy() };
}
