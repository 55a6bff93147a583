// Backups on real SQLite files: an encrypted backup of an older schema is
// restored with its age identity and migrated forward; core backs up before
// it migrates; a failed backup opens an alert; a tampered or foreign archive is refused.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { onPath, tempDir } from "@tugboat/testkit";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import tar from "tar-stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadCoreConfig } from "../src/config/core-config.js";
import { startCore } from "../src/core.js";
import { migrations } from "../src/db/migrations.js";

/** The last migration: a restored or upgraded database ends there. */
const LATEST = Object.keys(migrations("sqlite")).at(-1);

import { readArchive } from "../src/ops/backups/archive.js";
import { Backups } from "../src/ops/backups/backups.js";
import { restoreBackup } from "../src/ops/backups/restore.js";

const ageAvailable = onPath("age-keygen");

const KEY = Buffer.alloc(32, 7).toString("base64");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function dir(prefix: string) {
  const made = await tempDir(prefix);
  cleanups.push(() => made.cleanup());
  return made.path;
}

/** A data dir whose database stops at migration 007 (an older core's), with one user and a key. */
async function olderDataDir(): Promise<string> {
  const data = await dir("tug-old-");
  const sqlite = new SQLite(join(data, "tugboat.db"));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations("sqlite") } });
  const { error } = await migrator.migrateTo("007_image_checks");
  if (error) throw error;
  sqlite
    .prepare(
      "insert into users (username, password_hash, role, created_at) values ('olga', 'x', 'admin', '2026-01-01')",
    )
    .run();
  await db.destroy();
  writeFileSync(join(data, "core.key"), KEY, { mode: 0o600 });
  return data;
}

describe("backups", () => {
  it.skipIf(!ageAvailable)("restores an encrypted backup of an older schema, migrated forward", async () => {
    const data = await olderDataDir();
    const keys = await dir("tug-age-");
    const identity = join(keys, "identity.txt");
    execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" });
    const recipient = /public key: (age1\w+)/.exec(readFileSync(identity, "utf8"))?.[1] ?? "";
    const handle = new SQLite(join(data, "tugboat.db"));
    const backups = new Backups({
      dir: join(data, "backups"),
      source: { kind: "sqlite", handle },
      keyFile: join(data, "core.key"),
      keep: { daily: 7, weekly: 4, monthly: 3 },
      ageRecipient: recipient,
      coreVersion: "0.0.9",
    });
    const record = await backups.run("manual");
    handle.close();
    expect(record).toMatchObject({ status: "ok", encrypted: true, migration: "007_image_checks" });
    expect(record.name).toMatch(/\.tar\.gz\.age$/);
    const archive = join(data, "backups", record.name);
    expect(readFileSync(archive).includes(Buffer.from("olga"))).toBe(false); // encrypted, not just gzipped

    const target = join(await dir("tug-new-"), "data");
    await expect(restoreBackup({ file: archive, dataDir: target })).rejects.toThrow(
      /encrypted with age: give the identity file/,
    );
    const wrong = join(keys, "wrong.txt");
    execFileSync("age-keygen", ["-o", wrong], { stdio: "ignore" });
    await expect(restoreBackup({ file: archive, dataDir: target, identityFile: wrong })).rejects.toThrow(/age exited/);
    expect(existsSync(join(target, "tugboat.db"))).toBe(false);

    const result = await restoreBackup({ file: archive, dataDir: target, identityFile: identity });
    expect(result).toMatchObject({
      database: "sqlite",
      migrationBefore: "007_image_checks",
      migrationAfter: LATEST,
    });
    const restored = new SQLite(join(target, "tugboat.db"), { readonly: true });
    expect(restored.prepare("select username from users").pluck().all()).toEqual(["olga"]);
    expect(restored.prepare("select count(*) from audit").pluck().get()).toBe(0); // 008's table exists
    expect(restored.prepare("select count(*) from agent_tokens").pluck().get()).toBe(0); // 009's
    expect(
      restored.prepare("select count(*) from sqlite_master where name = 'stacks_server_state'").pluck().get(),
    ).toBe(1); // 011's (it replaced 010's)
    restored.close();
    expect(readFileSync(join(target, "core.key"), "utf8")).toBe(KEY);
  });

  it("backs up before migrating an older database, then migrates", async () => {
    const data = await olderDataDir();
    const core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: { port: 0, host: "127.0.0.1", data_dir: data, backup_schedule: "off" },
      }),
      { log: () => {} },
    );
    await core.close();
    const files = readdirSync(join(data, "backups"));
    const archive = files.find((f) => /-pre-migration\.tar\.gz$/.test(f));
    expect(archive).toBeDefined();
    const unpacked = await dir("tug-unpack-");
    await readArchive(join(data, "backups", archive ?? ""), unpacked);
    const copy = new SQLite(join(unpacked, "database.sqlite"), { readonly: true });
    expect(copy.prepare("select max(name) from kysely_migration").pluck().get()).toBe("007_image_checks");
    copy.close();
    const live = new SQLite(join(data, "tugboat.db"), { readonly: true });
    expect(live.prepare("select max(name) from kysely_migration").pluck().get()).toBe(LATEST);
    live.close();
  });

  it("a failed backup opens a critical alert", async () => {
    const data = await dir("tug-fail-");
    const blocker = join(data, "not-a-dir");
    writeFileSync(blocker, "");
    const config = await loadCoreConfig({
      env: {},
      overrides: { port: 0, host: "127.0.0.1", data_dir: join(data, "core"), backup_dir: join(blocker, "backups") },
    });
    const core = await startCore(config, { log: () => {} });
    cleanups.push(() => core.close());
    await expect(core.context.backups.run("manual")).rejects.toThrow(/backup failed/);
    const open = async () => await core.context.observability.alerts.list({ type: "BackupFailed" });
    await expect.poll(async () => (await open())[0]?.resolvedAt === null).toBe(true);
  });

  it("refuses archives that are not Tugboat backups, or were tampered with", async () => {
    const work = await dir("tug-bad-");
    const foreign = join(work, "foreign.tar.gz");
    const pack = tar.pack();
    pack.entry({ name: "../escape.txt" }, "x");
    pack.finalize();
    const { createGzip } = await import("node:zlib");
    const { pipeline } = await import("node:stream/promises");
    const { createWriteStream } = await import("node:fs");
    await pipeline(pack, createGzip(), createWriteStream(foreign));
    const out = join(work, "out");
    await mkdir(out);
    await expect(readArchive(foreign, out)).rejects.toThrow(/unexpected entry "..\/escape.txt": not a Tugboat backup/);
    expect(existsSync(join(work, "escape.txt"))).toBe(false);

    const data = await olderDataDir();
    const handle = new SQLite(join(data, "tugboat.db"));
    const record = await new Backups({
      dir: join(data, "backups"),
      source: { kind: "sqlite", handle },
      keyFile: join(data, "core.key"),
      keep: { daily: 7, weekly: 4, monthly: 3 },
      coreVersion: "0.0.9",
    }).run("manual");
    handle.close();
    const file = join(data, "backups", record.name);
    const bytes = readFileSync(file);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const target = join(work, "restored");
    await expect(restoreBackup({ file, dataDir: target })).rejects.toThrow();
    expect(existsSync(join(target, "tugboat.db"))).toBe(false);
  });

  it("serves a backup's archive and the agent build for download, byte for byte", async () => {
    const data = await dir("tug-download-");
    const core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: {
          port: 0,
          host: "127.0.0.1",
          data_dir: data,
          init_admin_username: "admin",
          init_admin_password: "a long admin password",
        },
      }),
      { log: () => {} },
    );
    cleanups.push(() => core.close());
    const login = await fetch(`${core.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "a long admin password" }),
    });
    const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const taken = await fetch(`${core.url}/api/backups`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{}",
    });
    const record = (await taken.json()) as { name: string; sha256: string };
    const archive = await fetch(`${core.url}/api/backups/${record.name}/file`, { headers: auth });
    const bytes = Buffer.from(await archive.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(record.sha256);
    expect(bytes.equals(readFileSync(join(data, "backups", record.name)))).toBe(true);
    expect((await fetch(`${core.url}/api/backups/..%2Fcore.key/file`, { headers: auth })).status).toBe(400);

    const build = await fetch(`${core.url}/api/agent/build/file`, { headers: auth });
    expect(build.status).toBe(200); // npm run build (which npm test runs first) makes it
    const code = Buffer.from(await build.arrayBuffer());
    expect(createHash("sha256").update(code).digest("hex")).toBe(build.headers.get("x-tugboat-sha256"));
    expect(code.toString("utf8", 0, 30)).toMatch(/^\/\/ tugboat-agent /);
  });

  it("keeps the records of the last ten failed attempts, not every one", async () => {
    const data = await olderDataDir();
    const handle = new SQLite(join(data, "tugboat.db"));
    handle.close(); // every backup of it fails
    const backups = new Backups({
      dir: join(data, "backups"),
      source: { kind: "sqlite", handle },
      keyFile: join(data, "core.key"),
      keep: { daily: 7, weekly: 4, monthly: 3 },
      coreVersion: "0.0.9",
    });
    for (let attempt = 0; attempt < 12; attempt++) await expect(backups.run("manual")).rejects.toThrow(/backup failed/);
    const listed = await backups.list();
    expect(listed).toHaveLength(10);
    expect(listed.every((b) => b.status === "failed" && b.error)).toBe(true);
  });
});
