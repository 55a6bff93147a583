// `tug restore FILE`: a backup back into a data dir (or a PostgreSQL
// database) that no core is using; what it replaces is moved aside, never
// deleted, and an older backup is migrated forward to this version.
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TugError } from "@tugboat/protocol";
import { openDatabase } from "../../db/open-database.js";
import { assertNoCore } from "../core-lock.js";
import { readArchive } from "./archive.js";
import { checkDump, dumpDatabase, restorePostgres } from "./dump.js";

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /** postgres://… : restore into this database instead of the data dir's SQLite file. */
  databaseUrl?: string;
  /** The age identity of an encrypted backup. */
  identityFile?: string;
  /** Where core's key goes ("": <dataDir>/core.key). */
  keyFile?: string;
}

export interface RestoreResult {
  database: "sqlite" | "postgres";
  createdAt: string;
  /** The backup's newest migration, and the newest after migrating forward. */
  migrationBefore: string;
  migrationAfter: string;
  /** Where the files it replaced were moved ("" when nothing was replaced). */
  movedAside: string;
}

interface Manifest {
  format: string;
  createdAt: string;
  database: "sqlite" | "postgres";
  migration: string;
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  if (!existsSync(options.file)) throw new TugError("E_NOT_FOUND", `no such backup file: ${options.file}`);
  const target = { dataDir: options.dataDir, ...(options.databaseUrl ? { url: options.databaseUrl } : {}) };
  await assertNoCore(target);
  const work = await mkdtemp(join(tmpdir(), "tug-restore-"));
  try {
    const found = await readArchive(options.file, work, options.identityFile);
    const manifest = JSON.parse(await readFile(join(work, "manifest.json"), "utf8")) as Manifest;
    if (manifest.format !== "tugboat-backup/1")
      throw new TugError(
        "E_INVALID_REQUEST",
        `${options.file}: unknown backup format ${JSON.stringify(manifest.format)}`,
      );
    const into = options.databaseUrl ? "postgres" : "sqlite";
    if (manifest.database !== into)
      throw new TugError(
        "E_INVALID_REQUEST",
        `${options.file} is a ${manifest.database} backup; restore it into ${manifest.database === "postgres" ? "a PostgreSQL database (--database-url)" : "a data dir without --database-url"}`,
      );
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const aside = join(options.dataDir, `before-restore-${new Date().toISOString().replace(/[-:.]/g, "")}`);
    const moveAside = async (path: string) => {
      if (!existsSync(path)) return;
      await mkdir(aside, { recursive: true, mode: 0o700 });
      await rename(path, join(aside, path.split("/").at(-1) ?? "file"));
    };

    if (into === "sqlite") {
      const copy = join(work, "database.sqlite");
      if (!found.has("database.sqlite")) throw new TugError("E_INVALID_REQUEST", `${options.file}: no database in it`);
      await checkDump("sqlite", copy);
      const file = join(options.dataDir, "tugboat.db");
      for (const suffix of ["", "-wal", "-shm"]) await moveAside(`${file}${suffix}`);
      await copyFile(copy, file);
    } else {
      if (!found.has("database.pgdump")) throw new TugError("E_INVALID_REQUEST", `${options.file}: no database in it`);
      const url = options.databaseUrl ?? "";
      // PostgreSQL has no file to move aside: what the database holds is dumped there first.
      await mkdir(aside, { recursive: true, mode: 0o700 });
      await dumpDatabase({ kind: "postgres", url }, join(aside, "database.pgdump"));
      await restorePostgres(join(work, "database.pgdump"), url).catch((error: Error) => {
        throw new TugError(
          "E_INTERNAL",
          `restoring into the database failed (${error.message}); what it held before is in ${join(aside, "database.pgdump")} (pg_restore it)`,
        );
      });
    }
    if (found.has("core.key")) {
      const keyFile = options.keyFile || join(options.dataDir, "core.key");
      const key = await readFile(join(work, "core.key"));
      if (!existsSync(keyFile) || !key.equals(await readFile(keyFile))) {
        await moveAside(keyFile);
        await copyFile(join(work, "core.key"), keyFile);
      }
    }

    const { db } = await openDatabase(target);
    const latest = await db
      .selectFrom("kysely_migration" as never)
      .select((eb) => eb.fn.max("name" as never).as("name"))
      .executeTakeFirst();
    await db.destroy();
    return {
      database: into,
      createdAt: manifest.createdAt,
      migrationBefore: manifest.migration,
      migrationAfter: String((latest as { name?: string } | undefined)?.name ?? ""),
      movedAside: existsSync(aside) ? aside : "",
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
