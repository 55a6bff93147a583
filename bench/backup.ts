// bench/backup.ts: core's backup of a seeded SQLite database (online backup,
// integrity check, tar.gz with the key, read back and checked again) against
// SQLite's online backup alone and copying the database file, and how long core's writes stall while it runs:
// the longest gap between metric inserts during a backup against the same
// loop with no backup.
import { copyFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { openDatabase } from "../packages/core/src/db/open-database.js";
import { MetricStore } from "../packages/core/src/metrics/metric-store.js";
import { Backups } from "../packages/core/src/ops/backups/backups.js";
import { type BenchResult, median, writeResult } from "./result.js";

const SERVERS = 50;
const SAMPLES = 20_000; // per server: 1,000,000 metric rows
const RUNS = 3;

/** Inserts batches until `stop()`, recording the longest wait between two (ms). */
function writer(metrics: MetricStore) {
  let running = true;
  let longest = 0;
  let at = 2_000_000_000;
  const done = (async () => {
    let last = performance.now();
    while (running) {
      await metrics.insertMany(
        Array.from({ length: 20 }, (_, i) => ({ server: "live", sample: { at: at + i, values: { cpu: i } } })),
      );
      at += 20;
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      await setImmediate();
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return longest;
    },
  };
}

export async function benchBackup(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "tug-bench-backup-"));
  try {
    const { db, source } = await openDatabase({ dataDir: dir });
    const metrics = new MetricStore(db);
    const start = 1_700_000_000;
    for (let s = 0; s < SERVERS; s += 1) {
      const samples = Array.from({ length: SAMPLES }, (_, i) => ({
        at: start + i * 5,
        values: { cpu: Math.random() * 100, mem: Math.random() * 100, disk: 50, net_rx: i, net_tx: i * 2 },
      }));
      for (let i = 0; i < samples.length; i += 500) await metrics.insertSamples(`s${s}`, samples.slice(i, i + 500));
    }
    if (source.kind !== "sqlite") throw new Error("the bench runs on SQLite");
    source.handle.pragma("wal_checkpoint(TRUNCATE)");
    const size = (await stat(join(dir, "tugboat.db"))).size;
    await writeFile(join(dir, "core.key"), Buffer.alloc(32, 1).toString("base64"));
    const backups = new Backups({
      dir: join(dir, "backups"),
      source,
      keyFile: join(dir, "core.key"),
      keep: { daily: 100, weekly: 0, monthly: 0 },
      coreVersion: "bench",
    });
    const copies: number[] = [];
    const online: number[] = [];
    const ours: number[] = [];
    const idleStalls: number[] = [];
    const backupStalls: number[] = [];
    let archive = 0;
    for (let run = 0; run < RUNS; run += 1) {
      let started = performance.now();
      await copyFile(join(dir, "tugboat.db"), join(dir, `copy-${run}.db`));
      copies.push(performance.now() - started);
      await rm(join(dir, `copy-${run}.db`));
      started = performance.now();
      await source.handle.backup(join(dir, `online-${run}.db`));
      online.push(performance.now() - started);
      await rm(join(dir, `online-${run}.db`));

      const idle = writer(metrics);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      idleStalls.push(await idle.stop());

      const busy = writer(metrics);
      started = performance.now();
      const record = await backups.run("manual");
      ours.push(performance.now() - started);
      backupStalls.push(await busy.stop());
      archive = record.size;
    }
    await db.destroy();
    const copy = median(copies);
    const mine = median(ours);
    const stall = median(backupStalls);
    const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
    return {
      name: "backup",
      title: "core's backup of its SQLite database while core writes",
      command: "npm run bench -- backup",
      rows: [
        {
          metric: `backup of a ${mb(size)} database (${(SERVERS * SAMPLES).toLocaleString("en")} metric rows): online copy, check, tar.gz with the key, read back and checked`,
          value: `${mine.toFixed(0)} ms; SQLite's online backup alone ${median(online).toFixed(0)} ms (${(mine / median(online)).toFixed(1)}×), copying the file ${copy.toFixed(0)} ms; archive ${mb(archive)}`,
        },
        {
          metric: "longest wait between two metric inserts while the backup runs",
          value: `${stall.toFixed(0)} ms (the same loop with no backup: ${median(idleStalls).toFixed(0)} ms)`,
          goal: "< 250 ms",
          ok: stall < 250,
        },
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchBackup();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
