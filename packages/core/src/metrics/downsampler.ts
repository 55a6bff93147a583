// Turns raw samples into 5-minute rollups and those into hourly ones once a
// bucket has ended, then deletes what is past its retention. Idempotent and
// restart-safe: it resumes after the last stored bucket.

import { type MetricStore, RESOLUTIONS } from "./metric-store.js";
import { bucketStart, rollUpBuckets, rollUpSamples } from "./rollup.js";

export interface Retention {
  rawHours: number;
  fiveMinuteDays: number;
  hourlyDays: number;
}

export class Downsampler {
  constructor(private readonly deps: { store: MetricStore; retention: Retention }) {}

  /** Rolls up every ended bucket and applies retention, as of `now` (unix seconds). */
  async run(now: number): Promise<{ deleted: number }> {
    const { store, retention } = this.deps;
    const five = RESOLUTIONS["5m"];
    const hour = RESOLUTIONS["1h"];
    for (const span of await store.rawSpans()) {
      const last5 = await store.lastBucket(span.server, "5m");
      const from5 = last5 === undefined ? bucketStart(span.first, five) : last5 + five;
      const to5 = bucketStart(now, five);
      if (to5 > from5) {
        const samples = await store.samples(span.server, from5, to5);
        await store.insertBuckets(span.server, "5m", rollUpSamples(samples, five));
      }
      const lastHour = await store.lastBucket(span.server, "1h");
      const fromHour = lastHour === undefined ? bucketStart(span.first, hour) : lastHour + hour;
      const toHour = bucketStart(now, hour);
      if (toHour > fromHour) {
        const buckets = await store.buckets(span.server, "5m", fromHour, toHour);
        await store.insertBuckets(span.server, "1h", rollUpBuckets(buckets, hour));
      }
    }
    const deleted =
      (await store.deleteSamplesBefore(now - retention.rawHours * 3600)) +
      (await store.deleteBucketsBefore("5m", now - retention.fiveMinuteDays * 86_400)) +
      (await store.deleteBucketsBefore("1h", now - retention.hourlyDays * 86_400));
    return { deleted };
  }
}
