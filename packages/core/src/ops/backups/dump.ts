// A consistent copy of core's database while core keeps writing: SQLite's
// online backup API, or pg_dump's custom format (one MVCC snapshot), each
// checked by opening what was written.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { TugError } from "@tugboat/protocol";
import type SQLite from "better-sqlite3";
import pg from "pg";

/** Where core's state lives, as a backup reads it. */
export type DatabaseSource = { kind: "sqlite"; handle: SQLite.Database } | { kind: "postgres"; url: string };

export interface DumpCheck {
  /** The newest migration the copy has. */
  migration: string;
  /** Rows per table (SQLite), or table data entries in the archive (PostgreSQL). */
  tables: Record<string, number>;
}

const DUMP_DEADLINE_MS = 30 * 60_000;

export async function dumpDatabase(source: DatabaseSource, file: string): Promise<void> {
  if (source.kind === "sqlite") {
    await source.handle.backup(file);
    return;
  }
  await tool(
    "pg_dump",
    ["--format=custom", "--no-owner", `--file=${file}`, `--dbname=${withoutPassword(source.url)}`],
    source.url,
  );
}

/** Opens the copy and checks it; throws with what is wrong. */
export async function checkDump(kind: DatabaseSource["kind"], file: string): Promise<DumpCheck> {
  if (kind === "postgres") {
    const listing = await tool("pg_restore", ["--list", "--", file]);
    const tables = Object.fromEntries(
      [...listing.matchAll(/ TABLE DATA \S+ (\S+) /g)].map((m): [string, number] => [m[1] ?? "", 1]),
    );
    if (!tables.kysely_migration) throw new Error("the dump has no kysely_migration table: not core's database");
    return { migration: "(in the dump)", tables };
  }
  return checkSqlite(file);
}

// The check reads every page of the copy: in a worker thread, so core keeps
// answering and writing meanwhile (a 1 GB database takes seconds). Plain
// CommonJS, evaluated: the same code runs from the sources and from the build.
const SQLITE_CHECK = `
const { parentPort, workerData } = require("node:worker_threads");
const SQLite = require(workerData.module);
const copy = new SQLite(workerData.file, { readonly: true, fileMustExist: true });
try {
  const integrity = copy.pragma("integrity_check", { simple: true });
  if (integrity !== "ok") throw new Error("integrity check: " + String(integrity));
  const names = copy.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").pluck().all();
  if (!names.includes("kysely_migration")) throw new Error("no kysely_migration table: not core's database");
  const tables = {};
  for (const name of names) tables[name] = copy.prepare('select count(*) from "' + name.replaceAll('"', '""') + '"').pluck().get();
  const migration = copy.prepare("select max(name) from kysely_migration").pluck().get();
  parentPort.postMessage({ migration, tables });
} catch (error) {
  parentPort.postMessage({ error: error.message });
} finally {
  copy.close();
}
`;

function checkSqlite(file: string): Promise<DumpCheck> {
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(SQLITE_CHECK, { eval: true, workerData: { file, module } });
  return new Promise<DumpCheck>((resolve, reject) => {
    const deadline = setTimeout(() => {
      reject(new Error(`checking ${file} took over ${DUMP_DEADLINE_MS / 60_000} min`));
      worker.terminate().catch(() => undefined);
    }, DUMP_DEADLINE_MS);
    worker.once("message", (reply: DumpCheck | { error: string }) => {
      clearTimeout(deadline);
      if ("error" in reply) reject(new Error(reply.error));
      else resolve(reply);
    });
    worker.once("error", (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    worker.once("exit", (code) => {
      clearTimeout(deadline);
      reject(new Error(`the check of ${file} stopped (exit ${code})`));
    });
  });
}

/**
 * Restores a pg_dump archive into `url`'s database, replacing what it holds:
 * its public schema is emptied first, in the same transaction, so tables of
 * newer migrations do not outlive an older backup.
 */
export async function restorePostgres(file: string, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("drop schema if exists public cascade; create schema public");
  } finally {
    await client.end();
  }
  await tool(
    "pg_restore",
    ["--no-owner", "--single-transaction", "--exit-on-error", `--dbname=${withoutPassword(url)}`, "--", file],
    url,
  );
}

/** The password travels in PGPASSWORD, not in argv (which `ps` shows). */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

function tool(command: string, args: string[], url?: string): Promise<string> {
  const password = url ? decodeURIComponent(new URL(url).password) : "";
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
      timeout: DUMP_DEADLINE_MS,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      // A listing is a few lines per table; more than 16 MB is not one.
      outBytes += chunk.length;
      if (outBytes <= 16 * 1024 * 1024) out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.length < 8192) err += chunk.toString();
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new TugError("E_EXEC_FAILED", `${command} is not installed (Debian: apt-get install postgresql-client)`)
          : error,
      ),
    );
    child.on("close", (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else
        reject(
          new Error(`${command} ${signal ? `was stopped (${signal})` : `exited ${code}`}: ${err.trim().slice(-2000)}`),
        );
    });
  });
}
