// Core's own backups: on a schedule, on demand and before a migration; each
// one checked after it is written, listed with its size and status, pruned
// by GFS retention; a failed one alerts.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { TugError } from "@tugboat/protocol";
import { Cron } from "croner";
import { readArchive, writeArchive } from "./archive.js";
import { checkDump, type DatabaseSource, dumpDatabase } from "./dump.js";
import { type Retention, retain, type Slot } from "./retention.js";

export type BackupTrigger = "schedule" | "manual" | "pre-migration";

export interface BackupRecord {
  name: string;
  createdAt: string;
  trigger: BackupTrigger;
  status: "ok" | "failed";
  /** Bytes of the archive (0 for a failed one). */
  size: number;
  sha256: string;
  encrypted: boolean;
  database: DatabaseSource["kind"];
  migration: string;
  coreVersion: string;
  /** Rows per table in the copy (SQLite), as the check after writing counted them. */
  tables: Record<string, number>;
  durationMs: number;
  error?: string;
  /** The GFS slots that keep it (daily, weekly, monthly); none: the next prune deletes it. */
  slots?: Slot[];
}

export interface BackupsOptions {
  dir: string;
  source: DatabaseSource;
  /** Core's key file: in the archive, so sealed secrets open after a restore. */
  keyFile: string;
  keep: Retention;
  ageRecipient?: string;
  coreVersion: string;
  /** A failed backup (true) and the next good one (false). */
  onResult?: (record: BackupRecord) => void;
  log?: (line: string) => void;
}

/** Failed attempts listed at most (each is a small status file). */
const FAILED_KEPT = 10;

const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
const NAME = /^tugboat-\d{8}T\d{6}Z-[a-z-]+(-\d+)?\.tar\.gz(\.age)?$/;

export class Backups {
  private chain: Promise<unknown> = Promise.resolve();
  private cron: Cron | undefined;

  constructor(private readonly options: BackupsOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** Takes a backup now (after any that is running), checks it, then prunes. */
  run(trigger: BackupTrigger): Promise<BackupRecord> {
    const next = this.chain.then(() => this.take(trigger));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Runs `schedule` (cron, in UTC unless `timezone`) until stop(). */
  start(schedule: string, timezone?: string): void {
    this.cron = new Cron(schedule, { protect: true, ...(timezone ? { timezone } : {}) }, async () => {
      await this.run("schedule").catch(() => undefined); // recorded, alerted and logged by take()
    });
  }

  nextRun(): Date | null {
    return this.cron?.nextRun() ?? null;
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    await this.chain;
  }

  /** Every backup, newest first, with the slots that keep it. */
  async list(): Promise<BackupRecord[]> {
    if (!existsSync(this.options.dir)) return [];
    const records: BackupRecord[] = [];
    for (const file of await readdir(this.options.dir)) {
      if (!file.endsWith(".json") || !NAME.test(file.slice(0, -5))) continue;
      const text = await readFile(join(this.options.dir, file), "utf8").catch(() => "");
      try {
        records.push(JSON.parse(text) as BackupRecord);
      } catch {
        // a status file cut short by a crash: its archive is unchecked, so it is not a backup
      }
    }
    const slots = retain(
      records.filter((r) => r.status === "ok"),
      this.options.keep,
    );
    return records
      .map((r) => ({ ...r, ...(r.status === "ok" ? { slots: slots.get(r) ?? [] } : {}) }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The archive of a listed backup, by name (never a path from the caller). */
  async file(name: string): Promise<string> {
    const found = (await this.list()).find((r) => r.name === name && r.status === "ok");
    if (!found) throw new TugError("E_NOT_FOUND", `no backup named ${name}`);
    return join(this.options.dir, found.name);
  }

  private async take(trigger: BackupTrigger): Promise<BackupRecord> {
    const { dir, source, keyFile, ageRecipient, coreVersion } = this.options;
    const started = Date.now();
    const createdAt = new Date(started);
    let name = `tugboat-${stamp(createdAt)}-${trigger}.tar.gz${ageRecipient ? ".age" : ""}`;
    for (let n = 2; existsSync(join(dir, name)) || existsSync(join(dir, `${name}.json`)); n++)
      name = name.replace(/(-\d+)?\.tar\.gz/, `-${n}.tar.gz`);
    const base: BackupRecord = {
      name,
      createdAt: createdAt.toISOString(),
      trigger,
      status: "failed",
      size: 0,
      sha256: "",
      encrypted: Boolean(ageRecipient),
      database: source.kind,
      migration: "",
      coreVersion,
      tables: {},
      durationMs: 0,
    };
    let work: string | undefined;
    let record: BackupRecord;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      work = await mkdtemp(join(dir, ".work-"));
      const dump = join(work, source.kind === "sqlite" ? "database.sqlite" : "database.pgdump");
      await dumpDatabase(source, dump);
      const check = await checkDump(source.kind, dump);
      const manifest = {
        format: "tugboat-backup/1",
        ...base,
        status: "ok",
        migration: check.migration,
        tables: check.tables,
      };
      const archive = join(dir, name);
      await writeArchive({
        file: archive,
        entries: {
          [source.kind === "sqlite" ? "database.sqlite" : "database.pgdump"]: dump,
          ...(existsSync(keyFile) ? { "core.key": keyFile } : {}),
        },
        manifest,
        ...(ageRecipient ? { ageRecipient } : {}),
      });
      // Read back what is on disk: an unencrypted archive is unpacked and its copy checked again.
      if (!ageRecipient) await this.verifyArchive(archive, source.kind);
      record = {
        ...base,
        status: "ok",
        migration: check.migration,
        tables: check.tables,
        size: (await stat(archive)).size,
        sha256: await sha256(archive),
        durationMs: Date.now() - started,
      };
    } catch (error) {
      await rm(join(dir, name), { force: true }).catch(() => undefined);
      record = { ...base, durationMs: Date.now() - started, error: (error as Error).message };
    } finally {
      if (work) await rm(work, { recursive: true, force: true });
    }
    // The status file lists the attempt; when the folder itself is the problem, the alert and the log still tell.
    await writeFile(join(dir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 }).catch(
      () => undefined,
    );
    this.options.onResult?.(record);
    this.options.log?.(
      record.status === "ok"
        ? `backup ${name}: ${record.size} bytes in ${record.durationMs} ms`
        : `backup failed: ${record.error}`,
    );
    await this.prune().catch((error: Error) => this.options.log?.(`pruning backups failed: ${error.message}`));
    if (record.status === "failed") throw new TugError("E_INTERNAL", `backup failed: ${record.error}`);
    return (await this.list()).find((r) => r.name === name) ?? record;
  }

  private async verifyArchive(archive: string, kind: DatabaseSource["kind"]): Promise<void> {
    const check = await mkdtemp(join(this.options.dir, ".check-"));
    try {
      await readArchive(archive, check);
      await checkDump(kind, join(check, kind === "sqlite" ? "database.sqlite" : "database.pgdump"));
    } finally {
      await rm(check, { recursive: true, force: true });
    }
  }

  /**
   * Deletes the good backups no GFS slot keeps, and the records of failed
   * attempts older than the oldest kept backup or beyond the newest ten.
   */
  private async prune(): Promise<void> {
    const all = await this.list();
    const kept = all.filter((r) => r.status === "ok" && (r.slots?.length ?? 0) > 0);
    const oldestKept = kept.at(-1)?.createdAt ?? "";
    const recentFailures = new Set(all.filter((r) => r.status === "failed").slice(0, FAILED_KEPT));
    for (const record of all) {
      const drop =
        record.status === "ok"
          ? record.slots?.length === 0
          : record.createdAt < oldestKept || !recentFailures.has(record);
      if (!drop) continue;
      await rm(join(this.options.dir, record.name), { force: true });
      await rm(join(this.options.dir, `${record.name}.json`), { force: true });
      this.options.log?.(`backup ${basename(record.name)} pruned (GFS retention)`);
    }
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}
