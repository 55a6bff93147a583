// Opens core's database: SQLite in the data dir by default, PostgreSQL when
// a postgres:// URL is given; one Kysely query layer over both.
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, type SqliteDatabase } from "kysely";
import { LRUCache } from "lru-cache";
import pg from "pg";
import type { DatabaseSource } from "../ops/backups/dump.js";
import { migrate } from "./migrations.js";
import { QueuedSqliteDialect } from "./queued-sqlite.js";
import type { Database } from "./schema.js";

export interface OpenDatabaseOptions {
  /** postgres://… ; when unset, SQLite at `<dataDir>/tugboat.db`. */
  url?: string;
  dataDir: string;
  /** Called with the migrations about to apply to a database that already has some (core backs it up first). */
  beforeMigrate?: (pending: string[], source: DatabaseSource) => Promise<void>;
}

export type Db = Kysely<Database>;

export async function openDatabase(
  options: OpenDatabaseOptions,
): Promise<{ db: Db; kind: "sqlite" | "postgres"; describe: string; source: DatabaseSource }> {
  if (options.url && /^postgres(ql)?:\/\//.test(options.url)) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const source: DatabaseSource = { kind: "postgres", url: options.url };
    await migrate(db as Kysely<unknown>, "postgres", beforeMigrate(options, source));
    return { db, kind: "postgres", describe: options.url.replace(/\/\/[^@/]*@/, "//***@"), source };
  }
  if (options.url) throw new Error(`TUG_DATABASE_URL must start with postgres:// (got ${options.url.split(":")[0]}:…)`);
  // The database holds sessions, key hashes and sealed secrets: only core's user may read it.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const file = join(options.dataDir, "tugboat.db");
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600); // SQLite gives its -wal and -shm files the database file's mode
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  // In WAL mode, NORMAL syncs the log at checkpoints instead of at every commit: the database
  // stays consistent through any crash, and a power cut can take back the last commits (a
  // status, a sample) that the next round writes again. FULL synced some 1,000 times a round
  // at 500 servers (docs/operations.md, "Durability").
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new QueuedSqliteDialect({ database: keepingStatements(sqlite) }) });
  const source: DatabaseSource = { kind: "sqlite", handle: sqlite };
  await migrate(db as Kysely<unknown>, "sqlite", beforeMigrate(options, source));
  return { db, kind: "sqlite", describe: file, source };
}

/**
 * The database with its prepared statements kept by their SQL: Kysely prepares
 * every query anew, and preparing cost a status round more than running them
 * (bench/reconcile.ts). Kysely runs one query at a time on its one SQLite
 * connection, so a kept statement is never in use twice.
 */
function keepingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new LRUCache<string, SQLite.Statement>({ max: 1000 });
  return {
    close: () => sqlite.close(),
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

function beforeMigrate(options: OpenDatabaseOptions, source: DatabaseSource) {
  const hook = options.beforeMigrate;
  return hook ? (pending: string[]) => hook(pending, source) : undefined;
}
