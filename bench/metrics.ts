// bench/metrics.ts: 100 simulated hosts (10 containers, 2 disks each) sampled
// every 15 s for a simulated week, through core's metrics store and rollups
// on SQLite. Reports database bytes per host per day and the time of a 30-day
// chart query, each against a baseline in the same run: one JSON row per
// sample (the obvious schema) and a 30-day chart computed from such rows.
import { statSync } from "node:fs";
import { join } from "node:path";
import { Downsampler, MetricStore, openDatabase, queryStats } from "@tugboat/core";
import { tempDir } from "@tugboat/testkit";
import { type QueryExecutorProvider, sql } from "kysely";
import { type BenchResult, median, writeResult } from "./result.js";

const HOSTS = Number(process.env.BENCH_METRICS_HOSTS ?? 100);
const DAYS = Number(process.env.BENCH_METRICS_DAYS ?? 7);
const STEP = 15;
const CHART_DAYS = 30;
const retention = { rawHours: 24, fiveMinuteDays: 30, hourlyDays: 365 };
const START = 1_767_225_600; // 2026-01-01T00:00:00Z

/** A plausible host: noisy CPU, slowly moving memory and disks, 10 containers. */
function sample(host: number, at: number): Record<string, number> {
  const t = at / 600 + host;
  const values: Record<string, number> = {
    cpu: 20 + 15 * Math.sin(t) + Math.random() * 5,
    load1: 1 + Math.random(),
    load5: 1.1,
    load15: 1.2,
    "mem.used": 6e9 + 1e8 * Math.sin(t / 10),
    "mem.total": 16e9,
    "swap.used": 1e8,
    "swap.total": 2e9,
    "net.rx": 1e5 * Math.random(),
    "net.tx": 5e4 * Math.random(),
    "disk:/.used": 4e10 + at / 100,
    "disk:/.total": 2.5e11,
    "disk:/srv.used": 8e11,
    "disk:/srv.total": 2e12,
  };
  for (let c = 0; c < 10; c += 1) {
    values[`c:stack${c}/stack${c}-app-1.cpu`] = Math.random() * 10;
    values[`c:stack${c}/stack${c}-app-1.mem`] = 1e8 + c * 1e7;
  }
  return values;
}

/** Bytes and rows of each metrics table (dbstat). */
async function tableBytes(db: QueryExecutorProvider): Promise<Record<string, { bytes: number; rows: number }>> {
  const out: Record<string, { bytes: number; rows: number }> = {};
  for (const name of ["metric_raw", "metric_rollups"]) {
    const bytes = await sql<{ bytes: number }>`select sum(pgsize) as bytes from dbstat where name = ${name}`.execute(
      db,
    );
    const rows = await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    out[name] = { bytes: Number(bytes.rows[0]?.bytes ?? 0), rows: Number(rows.rows[0]?.n ?? 0) };
  }
  return out;
}

function fileBytes(dir: string): number {
  return ["tugboat.db", "tugboat.db-wal"].reduce((sum, f) => {
    try {
      return sum + statSync(join(dir, f)).size;
    } catch {
      return sum;
    }
  }, 0);
}

export async function benchMetrics(): Promise<BenchResult> {
  const dir = await tempDir("tug-bench-metrics-");
  try {
    const { db } = await openDatabase({ dataDir: dir.path });
    const store = new MetricStore(db);
    const downsampler = new Downsampler({ store, retention });
    const hostName = (h: number) => `h${String(h).padStart(3, "0")}`;

    // Ingest: one transaction per simulated hour, rollups and retention each hour as core runs them.
    // Host 0 runs for 30 days (for the 30-day chart); the others for DAYS.
    const ingestStart = performance.now();
    let samples = 0;
    let total = 0;
    let perTable: Record<string, { bytes: number; rows: number }> = {};
    const end = START + CHART_DAYS * 86_400;
    for (let hour = START; hour < end; hour += 3600) {
      const hosts = hour < START + DAYS * 86_400 ? HOSTS : 1;
      await db.transaction().execute(async (trx) => {
        const inTrx = new MetricStore(trx);
        for (let h = 0; h < hosts; h += 1) {
          const batch = [];
          for (let at = hour; at < hour + 3600; at += STEP) batch.push({ at, values: sample(h, at) });
          await inTrx.insertSamples(hostName(h), batch);
          samples += batch.length;
        }
      });
      await downsampler.run(hour + 3600);
      if (hour + 3600 === START + DAYS * 86_400) {
        // Bytes per host per day after the week: 24 h of raw samples plus a week of rollups.
        await sql`vacuum`.execute(db);
        await sql`pragma wal_checkpoint(truncate)`.execute(db);
        total = fileBytes(dir.path);
        perTable = await tableBytes(db);
      }
    }
    const ingestSeconds = (performance.now() - ingestStart) / 1000;

    // The 30-day chart of host 0, at the resolution the API picks (5-minute rollups).
    const now = end;
    const chartTimes: number[] = [];
    let points = 0;
    for (let i = 0; i < 20; i += 1) {
      const t0 = performance.now();
      const chart = await queryStats({
        store,
        server: hostName(0),
        from: now - CHART_DAYS * 86_400,
        to: now,
        resolution: "auto",
        now,
        retention,
        keep: (key) => !key.startsWith("c:"),
      });
      chartTimes.push(performance.now() - t0);
      points = chart.timestamps.length;
    }
    await db.destroy();

    // Baseline: one JSON row per sample, one host, CHART_DAYS days; its size per day, and the
    // same 30-day chart computed from it (5-minute min/avg/max of the host series in JS).
    const baseDir = await tempDir("tug-bench-metrics-json-");
    let baseBytesPerDay = 0;
    const baseTimes: number[] = [];
    try {
      const { db: base } = await openDatabase({ dataDir: baseDir.path });
      await sql`create table samples (server text not null, at integer not null, data text not null, primary key (server, at))`.execute(
        base,
      );
      for (let day = 0; day < CHART_DAYS; day += 1) {
        await base.transaction().execute(async (trx) => {
          for (let at = START + day * 86_400; at < START + (day + 1) * 86_400; at += 3600) {
            const rows = [];
            for (let t = at; t < at + 3600; t += STEP)
              rows.push(sql`(${"h000"}, ${t}, ${JSON.stringify(sample(0, t))})`);
            await sql`insert into samples (server, at, data) values ${sql.join(rows)}`.execute(trx);
          }
        });
      }
      await sql`vacuum`.execute(base);
      await sql`pragma wal_checkpoint(truncate)`.execute(base);
      baseBytesPerDay = fileBytes(baseDir.path) / CHART_DAYS;
      for (let i = 0; i < 5; i += 1) {
        const t0 = performance.now();
        const rows = await sql<{
          at: number;
          data: string;
        }>`select at, data from samples where server = ${"h000"} and at >= ${START} order by at`.execute(base);
        const buckets = new Map<number, Record<string, { min: number; max: number; sum: number; n: number }>>();
        for (const row of rows.rows) {
          const start = row.at - (row.at % 300);
          const bucket = buckets.get(start) ?? {};
          buckets.set(start, bucket);
          for (const [key, v] of Object.entries(JSON.parse(row.data) as Record<string, number>)) {
            if (key.startsWith("c:")) continue;
            const agg = bucket[key] ?? { min: v, max: v, sum: 0, n: 0 };
            agg.min = Math.min(agg.min, v);
            agg.max = Math.max(agg.max, v);
            agg.sum += v;
            agg.n += 1;
            bucket[key] = agg;
          }
        }
        baseTimes.push(performance.now() - t0);
      }
      await base.destroy();
    } finally {
      await baseDir.cleanup();
    }

    const perHostDay = total / HOSTS / DAYS;
    const raw = perTable.metric_raw ?? { bytes: 0, rows: 1 };
    const rollups = perTable.metric_rollups ?? { bytes: 0, rows: 1 };
    const perRollup = rollups.bytes / Math.max(rollups.rows, 1);
    const steady = (raw.bytes / Math.max(raw.rows, 1)) * (86_400 / STEP) + perRollup * (30 * 288 + 365 * 24);
    const chartMs = median(chartTimes);
    const baseMs = median(baseTimes);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
    return {
      name: "metrics",
      title: `Metrics history: ${HOSTS} hosts every ${STEP} s for ${DAYS} days (SQLite)`,
      command: "npm run bench -- metrics",
      rows: [
        {
          metric: "samples ingested (with hourly rollup + retention runs)",
          value: `${samples.toLocaleString("en")} in ${ingestSeconds.toFixed(1)} s (${Math.round(samples / ingestSeconds).toLocaleString("en")}/s)`,
        },
        { metric: "database after the week (24 h raw + rollups)", value: mb(total) },
        {
          metric: "bytes per host per day",
          value: mb(perHostDay),
          goal: "< 1 MB",
          ok: perHostDay < 1e6,
        },
        { metric: "baseline: one JSON row per sample, per host per day (kept raw)", value: mb(baseBytesPerDay) },
        { metric: "ratio Tugboat / baseline", value: `${(perHostDay / baseBytesPerDay).toFixed(3)}×` },
        {
          metric:
            "steady state per host, from bytes per row: 24 h raw + 30 days of 5-minute + 365 days of hourly rollups",
          value: mb(steady),
        },
        {
          metric: `30-day chart query (${points} points of 5-minute min/avg/max, host series), median of 20`,
          value: `${chartMs.toFixed(1)} ms`,
          goal: "< 50 ms",
          ok: chartMs < 50,
        },
        { metric: "baseline: same chart from JSON rows (30 days of raw samples)", value: `${baseMs.toFixed(0)} ms` },
        { metric: "ratio Tugboat / baseline", value: `${(chartMs / baseMs).toFixed(3)}×` },
      ],
    };
  } finally {
    await dir.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await writeResult(await benchMetrics());
