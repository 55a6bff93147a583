// Metrics storage on SQLite and PostgreSQL: rollups match the raw series, and
// retention deletes exactly what is past its window.
import { describe, expect, it } from "vitest";
import { Downsampler } from "../src/metrics/downsampler.js";
import { MetricStore } from "../src/metrics/metric-store.js";
import { SampleBatcher } from "../src/metrics/sample-batcher.js";
import { queryStats } from "../src/metrics/stats-query.js";
import { backends } from "./backends.js";

const retention = { rawHours: 24, fiveMinuteDays: 30, hourlyDays: 365 };
const DAY = 86_400;

/** A synthetic series: cpu rises 0..99 within each 100 samples; memory is constant; a container exists in odd hours. */
function syntheticSamples(from: number, count: number, step: number) {
  return Array.from({ length: count }, (_, i) => {
    const at = from + i * step;
    const values: Record<string, number> = { cpu: i % 100, "mem.used": 1024, "mem.total": 4096 };
    if (Math.floor(at / 3600) % 2 === 1) values["c:web/web-1.cpu"] = 2;
    return { at, values };
  });
}

describe.each(backends)("metrics on $name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)(
    "stores host samples a batch at a time: every server's, by the flush; past the bound the oldest go, and it says so",
    async () => {
      const db = await open();
      const said: string[] = [];
      const batcher = new SampleBatcher(new MetricStore(db), (line) => said.push(line));
      const count = async () =>
        Number(
          (
            await db
              .selectFrom("metric_raw")
              .select((e) => e.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      batcher.add("apollo", { at: 1_700_000_000, values: { cpu: 1 } });
      batcher.add("hermes", { at: 1_700_000_000, values: { cpu: 2 } });
      expect(await count()).toBe(0); // waiting for the flush
      await batcher.flush();
      expect(await count()).toBe(2);
      // 10,001 while the database is not written: the oldest is dropped; the rest go in statements SQLite accepts.
      for (let i = 0; i <= 10_000; i += 1) batcher.add(`s${i}`, { at: 1_700_000_015, values: { cpu: i } });
      await batcher.flush();
      expect(await count()).toBe(2 + 10_000);
      expect(said).toEqual(["metrics: 1 host samples dropped: the database did not keep up"]);
    },
  );

  it.skipIf(skip !== undefined)("rolls raw samples into exact 5-minute and hourly min/avg/max", async () => {
    const store = new MetricStore(await open());
    const start = 1_700_000_100; // not on a bucket edge
    const samples = syntheticSamples(start, 1000, 15);
    await store.insertSamples("apollo", samples);
    const now = start + 1000 * 15 + 7200;
    await new Downsampler({ store, retention }).run(now);

    const fiveMinute = await store.buckets("apollo", "5m", 0, now);
    // Every bucket agrees with the raw samples it covers.
    for (const bucket of fiveMinute) {
      const inside = samples
        .filter((s) => s.at >= bucket.start && s.at < bucket.start + 300)
        .map((s) => s.values.cpu ?? 0);
      expect(bucket.series.cpu).toEqual({
        min: Math.min(...inside),
        max: Math.max(...inside),
        avg: expect.closeTo(inside.reduce((a, b) => a + b, 0) / inside.length, 4),
        count: inside.length,
      });
    }
    expect(fiveMinute.reduce((n, b) => n + (b.series.cpu?.count ?? 0), 0)).toBe(1000);
    const hourly = await store.buckets("apollo", "1h", 0, now);
    for (const bucket of hourly) {
      const inside = samples
        .filter((s) => s.at >= bucket.start && s.at < bucket.start + 3600)
        .map((s) => s.values.cpu ?? 0);
      expect(bucket.series.cpu?.avg).toBeCloseTo(inside.reduce((a, b) => a + b, 0) / inside.length, 3);
      expect(bucket.series.cpu?.max).toBe(Math.max(...inside));
    }
    // Running again adds nothing new.
    await new Downsampler({ store, retention }).run(now);
    expect(await store.buckets("apollo", "5m", 0, now)).toHaveLength(fiveMinute.length);

    const chart = await queryStats({ store, server: "apollo", from: start, to: now, resolution: "5m", now, retention });
    expect(chart.resolution).toBe("5m");
    expect(chart.timestamps).toHaveLength(fiveMinute.length);
    // The container series is null in the even hours it did not exist.
    const container = chart.series["c:web/web-1.cpu"]?.avg ?? [];
    expect(container.some((v) => v === null)).toBe(true);
    expect(container.some((v) => v === 2)).toBe(true);
  });

  it.skipIf(skip !== undefined)("deletes exactly what is past each retention window", async () => {
    const store = new MetricStore(await open());
    const now = 1_800_000_000 - (1_800_000_000 % 3600);
    // Raw samples every hour for 3 days before now, then rollups for 400 days.
    await store.insertSamples(
      "hermes",
      Array.from({ length: 72 }, (_, i) => ({ at: now - (i + 1) * 3600, values: { cpu: i } })),
    );
    const bucket = (start: number) => ({ start, series: { cpu: { min: 1, avg: 1, max: 1, count: 1 } } });
    await store.insertBuckets(
      "hermes",
      "5m",
      Array.from({ length: 40 }, (_, i) => bucket(now - (i + 1) * DAY)),
    );
    await store.insertBuckets(
      "hermes",
      "1h",
      Array.from({ length: 400 }, (_, i) => bucket(now - (i + 1) * DAY)),
    );

    await new Downsampler({ store, retention }).run(now);

    const raw = await store.samples("hermes", 0, now + 1);
    expect(raw.map((s) => s.at)).toEqual(Array.from({ length: 24 }, (_, i) => now - (24 - i) * 3600));
    const five = await store.buckets("hermes", "5m", 0, now - DAY + 1);
    expect(five[0]?.start).toBe(now - 30 * DAY);
    expect(five.filter((b) => b.start <= now - DAY)).toHaveLength(30);
    const hours = await store.buckets("hermes", "1h", 0, now - DAY + 1);
    expect(hours[0]?.start).toBe(now - 365 * DAY);
    expect(hours.filter((b) => b.start <= now - DAY)).toHaveLength(365);
  });

  it.skipIf(skip !== undefined)(
    "answers each server's latest sample as the table holds it, kept up to date",
    async () => {
      const db = await open();
      const store = new MetricStore(db);
      const now = 1_800_000_000;
      await store.insertSamples("ares", [
        { at: now - 30, values: { cpu: 1.1, "mem.used": 10, "c:web/web-1.cpu": 5 } },
        { at: now - 15, values: { cpu: 2.2, "mem.used": 20, "c:web/web-1.cpu": 6 } },
      ]);
      // Read from the table the first time, host series only, as stored (Float32).
      expect(await store.latest(["ares", "nobody"])).toEqual(
        new Map([["ares", { cpu: Math.fround(2.2), "mem.used": 20 }]]),
      );
      // A newer sample is what the next call answers; an older one that arrives late is not.
      await store.insertSamples("ares", [{ at: now, values: { cpu: 3.3, "mem.used": 30, swap: Number.NaN } }]);
      await store.insertSamples("ares", [{ at: now - 5, values: { cpu: 9.9, "mem.used": 90 } }]);
      const expected = new Map([["ares", { cpu: Math.fround(3.3), "mem.used": 30 }]]);
      expect(await store.latest(["ares"])).toEqual(expected);
      // The same as a store that reads everything from the table.
      expect(await new MetricStore(db).latest(["ares"])).toEqual(expected);
      // Retention that deletes a server's samples deletes its latest too.
      await store.deleteSamplesBefore(now + 1);
      expect(await store.latest(["ares"])).toEqual(new Map());
    },
  );
});
