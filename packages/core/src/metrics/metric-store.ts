// Stored metrics: raw samples and min/avg/max rollups, packed as Float32 rows
// that name their series through a shared layout (the only code touching these tables).
import type { Db } from "../db/open-database.js";
import type { Aggregate, Bucket, Sample } from "./rollup.js";

/** Bucket sizes in seconds. */
export const RESOLUTIONS = { "5m": 300, "1h": 3600 } as const;
export type Resolution = keyof typeof RESOLUTIONS;

/** One series of a chart: averages, and for rollups minimums and maximums. */
export interface Columns {
  avg: Array<number | null>;
  min?: Array<number | null>;
  max?: Array<number | null>;
}

/** Which series to decode. */
export type KeyFilter = (key: string) => boolean;
const all: KeyFilter = () => true;

export class MetricStore {
  private readonly layoutIds = new Map<string, number>();
  private readonly layoutKeys = new Map<number, string[]>();
  /**
   * The newest raw sample (host series) of each server latest() was asked
   * about, kept up to date by inserts: the dashboard asks for every server's
   * on each load, a query each (500 at 500 servers).
   */
  private readonly newest = new Map<string, { at: number; values: Record<string, number> }>();

  constructor(private readonly db: Db) {}

  insertSamples(server: string, samples: readonly Sample[]): Promise<void> {
    return this.insertMany(samples.map((sample) => ({ server, sample })));
  }

  /** Samples of several servers (or check owners) in one statement. */
  async insertMany(entries: ReadonlyArray<{ server: string; sample: Sample }>): Promise<void> {
    if (entries.length === 0) return;
    const rows = [];
    for (const { server, sample } of entries) {
      const keys = Object.keys(sample.values).sort();
      const layout = await this.layout(keys);
      const data = new Float32Array(keys.map((key) => sample.values[key] ?? Number.NaN));
      rows.push({ server, at: sample.at, layout, data: toBuffer(data) });
    }
    await this.db
      .insertInto("metric_raw")
      .values(rows)
      .onConflict((c) => c.columns(["server", "at"]).doNothing())
      .execute();
    for (const { server, sample } of entries) {
      if (!this.newest.has(server)) continue; // read from the table when first asked for
      const values: Record<string, number> = {};
      for (const [key, value] of Object.entries(sample.values))
        if (!key.startsWith("c:") && !Number.isNaN(value)) values[key] = Math.fround(value); // as stored
      this.remember(server, sample.at, values);
    }
  }

  async samples(server: string, from: number, to: number, keep: KeyFilter = all): Promise<Sample[]> {
    const rows = await this.rows(server, "raw", from, to);
    const out: Sample[] = [];
    for (const row of rows) {
      const keys = await this.keysOf(row.layout);
      const data = fromBuffer(row.data);
      const values: Record<string, number> = {};
      keys.forEach((key, i) => {
        const value = data[i];
        if (value !== undefined && !Number.isNaN(value) && keep(key)) values[key] = value;
      });
      out.push({ at: row.time, values });
    }
    return out;
  }

  async insertBuckets(server: string, resolution: Resolution, buckets: readonly Bucket[]): Promise<void> {
    if (buckets.length === 0) return;
    const rows = [];
    for (const bucket of buckets) {
      const keys = Object.keys(bucket.series).sort();
      const layout = await this.layout(keys);
      const data = new Float32Array(keys.length * 3);
      let count = 0;
      keys.forEach((key, i) => {
        const agg = bucket.series[key] as Aggregate;
        data.set([agg.min, agg.avg, agg.max], i * 3);
        count = Math.max(count, agg.count);
      });
      rows.push({
        server,
        resolution: RESOLUTIONS[resolution],
        bucket: bucket.start,
        layout,
        count,
        data: toBuffer(data),
      });
    }
    await this.db
      .insertInto("metric_rollups")
      .values(rows)
      .onConflict((c) => c.columns(["server", "resolution", "bucket"]).doNothing())
      .execute();
  }

  /**
   * Rollup buckets in [from, to). Each series' count is the bucket's sample
   * count: a series present in only some samples is weighted like the others.
   */
  async buckets(
    server: string,
    resolution: Resolution,
    from: number,
    to: number,
    keep: KeyFilter = all,
  ): Promise<Bucket[]> {
    const rows = await this.rows(server, resolution, from, to);
    const out: Bucket[] = [];
    for (const row of rows) {
      const keys = await this.keysOf(row.layout);
      const data = fromBuffer(row.data);
      const series: Record<string, Aggregate> = {};
      keys.forEach((key, i) => {
        if (!keep(key)) return;
        series[key] = {
          min: data[i * 3] ?? 0,
          avg: data[i * 3 + 1] ?? 0,
          max: data[i * 3 + 2] ?? 0,
          count: row.count,
        };
      });
      out.push({ start: row.time, series });
    }
    return out;
  }

  /**
   * Chart columns in [from, to): one array per series (avg; and min/max for
   * rollups), null where a point lacks the series. Decodes straight from the
   * packed rows, which keeps a 30-day chart fast.
   */
  async columns(
    server: string,
    resolution: "raw" | Resolution,
    from: number,
    to: number,
    keep: KeyFilter = all,
  ): Promise<{ timestamps: number[]; series: Record<string, Columns> }> {
    const rows = await this.rows(server, resolution, from, to);
    const n = rows.length;
    const series: Record<string, Columns> = {};
    const empty = () => new Array<number | null>(n).fill(null);
    const plans = new Map<number, Array<[Columns, number]>>();
    const timestamps = new Array<number>(n);
    for (let i = 0; i < n; i += 1) {
      const row = rows[i] as (typeof rows)[number];
      timestamps[i] = row.time;
      let plan = plans.get(row.layout);
      if (!plan) {
        plan = [];
        for (const [index, key] of (await this.keysOf(row.layout)).entries()) {
          if (!keep(key)) continue;
          series[key] ??= resolution === "raw" ? { avg: empty() } : { avg: empty(), min: empty(), max: empty() };
          plan.push([series[key], index]);
        }
        plans.set(row.layout, plan);
      }
      const data = fromBuffer(row.data);
      for (const [column, index] of plan) {
        if (resolution === "raw") {
          const value = data[index] as number;
          column.avg[i] = Number.isNaN(value) ? null : value;
        } else {
          (column.min as Array<number | null>)[i] = data[index * 3] as number;
          column.avg[i] = data[index * 3 + 1] as number;
          (column.max as Array<number | null>)[i] = data[index * 3 + 2] as number;
        }
      }
    }
    return { timestamps, series };
  }

  /** Stored rows in [from, to), oldest first; raw samples count 1. */
  private async rows(server: string, resolution: "raw" | Resolution, from: number, to: number) {
    if (resolution === "raw") {
      const raw = await this.db
        .selectFrom("metric_raw")
        .select(["at as time", "layout", "data"])
        .where("server", "=", server)
        .where("at", ">=", from)
        .where("at", "<", to)
        .orderBy("at")
        .execute();
      return raw.map((row) => ({ ...row, count: 1 }));
    }
    return this.db
      .selectFrom("metric_rollups")
      .select(["bucket as time", "layout", "count", "data"])
      .where("server", "=", server)
      .where("resolution", "=", RESOLUTIONS[resolution])
      .where("bucket", ">=", from)
      .where("bucket", "<", to)
      .orderBy("bucket")
      .execute();
  }

  /** Each server's most recent raw sample, host series only. */
  async latest(servers: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    await Promise.all(
      servers.map(async (server) => {
        const known = this.newest.get(server);
        if (known) {
          out.set(server, known.values);
          return;
        }
        const row = await this.db
          .selectFrom("metric_raw")
          .select(["at", "layout", "data"])
          .where("server", "=", server)
          .orderBy("at", "desc")
          .limit(1)
          .executeTakeFirst();
        if (!row) return;
        const keys = await this.keysOf(row.layout);
        const data = fromBuffer(row.data);
        const values: Record<string, number> = {};
        keys.forEach((key, i) => {
          const value = data[i];
          if (!key.startsWith("c:") && value !== undefined && !Number.isNaN(value)) values[key] = value;
        });
        this.remember(server, row.at, values);
        out.set(server, this.newest.get(server)?.values ?? values);
      }),
    );
    return out;
  }

  /** Keeps a server's newest sample as latest() reads it, unless a newer one is kept already. */
  private remember(server: string, at: number, values: Record<string, number>): void {
    const known = this.newest.get(server);
    if (!known || known.at <= at) this.newest.set(server, { at, values });
  }

  /** Servers with raw samples, and their first and last sample times. */
  async rawSpans(): Promise<Array<{ server: string; first: number; last: number }>> {
    const rows = await this.db
      .selectFrom("metric_raw")
      .select((eb) => ["server", eb.fn.min<number>("at").as("first"), eb.fn.max<number>("at").as("last")])
      .groupBy("server")
      .execute();
    return rows.map((row) => ({ server: row.server, first: Number(row.first), last: Number(row.last) }));
  }

  /** The start of the last stored bucket of a server at a resolution. */
  async lastBucket(server: string, resolution: Resolution): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("metric_rollups")
      .select((eb) => eb.fn.max<number>("bucket").as("last"))
      .where("server", "=", server)
      .where("resolution", "=", RESOLUTIONS[resolution])
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? undefined : Number(row.last);
  }

  /** Deletes raw samples before `before`; returns how many. */
  async deleteSamplesBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom("metric_raw").where("at", "<", before).executeTakeFirst();
    for (const [server, known] of this.newest) if (known.at < before) this.newest.delete(server);
    return Number(result.numDeletedRows);
  }

  async deleteBucketsBefore(resolution: Resolution, before: number): Promise<number> {
    const result = await this.db
      .deleteFrom("metric_rollups")
      .where("resolution", "=", RESOLUTIONS[resolution])
      .where("bucket", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async layout(keys: readonly string[]): Promise<number> {
    const text = JSON.stringify(keys);
    const cached = this.layoutIds.get(text);
    if (cached !== undefined) return cached;
    await this.db
      .insertInto("metric_layouts")
      .values({ keys: text })
      .onConflict((c) => c.column("keys").doNothing())
      .execute();
    const row = await this.db
      .selectFrom("metric_layouts")
      .select("id")
      .where("keys", "=", text)
      .executeTakeFirstOrThrow();
    this.layoutIds.set(text, row.id);
    this.layoutKeys.set(row.id, [...keys]);
    return row.id;
  }

  private async keysOf(id: number): Promise<string[]> {
    const cached = this.layoutKeys.get(id);
    if (cached) return cached;
    const row = await this.db
      .selectFrom("metric_layouts")
      .select("keys")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const keys = JSON.parse(row.keys) as string[];
    this.layoutKeys.set(id, keys);
    return keys;
  }
}

function toBuffer(data: Float32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function fromBuffer(buffer: Uint8Array): Float32Array {
  // Copy: a driver's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  return new Float32Array(copy.buffer);
}
