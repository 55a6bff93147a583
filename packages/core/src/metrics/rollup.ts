// Downsampling: raw samples into min/avg/max buckets, and small buckets into
// larger ones (weighted by sample count, so an hour's average is exact).
import type { SeriesValues } from "./series.js";

export interface Sample {
  /** Unix seconds. */
  at: number;
  values: SeriesValues;
}

export interface Aggregate {
  min: number;
  avg: number;
  max: number;
  count: number;
}

export interface Bucket {
  /** Unix seconds, a multiple of the bucket size. */
  start: number;
  series: Record<string, Aggregate>;
}

export function bucketStart(at: number, size: number): number {
  return Math.floor(at / size) * size;
}

/** Raw samples into buckets of `size` seconds; a sample at a bucket's start belongs to that bucket. */
export function rollUpSamples(samples: readonly Sample[], size: number): Bucket[] {
  return merge(
    samples.map((sample) => ({
      start: sample.at,
      series: Object.fromEntries(
        Object.entries(sample.values).map(([key, v]) => [key, { min: v, avg: v, max: v, count: 1 }]),
      ),
    })),
    size,
  );
}

/** Buckets into larger buckets of `size` seconds. */
export function rollUpBuckets(buckets: readonly Bucket[], size: number): Bucket[] {
  return merge(buckets, size);
}

function merge(parts: readonly Bucket[], size: number): Bucket[] {
  const out = new Map<number, Record<string, Aggregate>>();
  for (const part of parts) {
    const start = bucketStart(part.start, size);
    let series = out.get(start);
    if (!series) {
      series = {};
      out.set(start, series);
    }
    for (const [key, agg] of Object.entries(part.series)) {
      const into = series[key];
      if (!into) {
        series[key] = { ...agg };
        continue;
      }
      const count = into.count + agg.count;
      into.avg = (into.avg * into.count + agg.avg * agg.count) / count;
      into.min = Math.min(into.min, agg.min);
      into.max = Math.max(into.max, agg.max);
      into.count = count;
    }
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([start, series]) => ({ start, series }));
}
