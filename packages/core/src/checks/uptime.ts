// Uptime over a range from a stack's check history: raw samples where they
// are still kept, 5-minute rollups before that, each weighted by the time it
// stands for.
import type { Retention } from "../metrics/downsampler.js";
import type { MetricStore } from "../metrics/metric-store.js";

export async function uptimePercent(options: {
  store: MetricStore;
  owner: string;
  check: string;
  intervalSeconds: number;
  /** Unix seconds. */
  from: number;
  now: number;
  retention: Retention;
}): Promise<number | null> {
  const { store, owner, check, from, now } = options;
  const key = `${check}.up`;
  const keep = (k: string) => k === key;
  const rawStart = Math.max(from, now - options.retention.rawHours * 3600);
  let weight = 0;
  let up = 0;
  if (from < rawStart) {
    const rolled = await store.columns(owner, "5m", from, rawStart, keep);
    for (const value of rolled.series[key]?.avg ?? []) {
      if (value === null) continue;
      weight += 300;
      up += value * 300;
    }
  }
  const raw = await store.columns(owner, "raw", rawStart, now + 1, keep);
  for (const value of raw.series[key]?.avg ?? []) {
    if (value === null) continue;
    weight += options.intervalSeconds;
    up += value * options.intervalSeconds;
  }
  return weight === 0 ? null : Math.round((up / weight) * 10_000) / 100;
}
