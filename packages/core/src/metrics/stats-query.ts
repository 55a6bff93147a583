// Chart data for a time range: raw samples for short recent ranges, 5-minute
// or hourly rollups for longer ones, as columns (one array per series).
import type { Retention } from "./downsampler.js";
import type { Columns, KeyFilter, MetricStore, Resolution } from "./metric-store.js";

export type ResolutionChoice = "auto" | "raw" | Resolution;

export interface StatsSeries {
  resolution: "raw" | Resolution;
  /** Unix seconds of each point (a bucket's start for rollups). */
  timestamps: number[];
  /** Per series: avg (raw: the value), and min/max for rollups; null where a point has no value. */
  series: Record<string, Columns>;
}

/** The finest resolution that still holds the whole range and keeps the point count chart-sized. */
function chooseResolution(options: {
  from: number;
  to: number;
  now: number;
  retention: Retention;
}): "raw" | Resolution {
  const { from, to, now, retention } = options;
  const span = to - from;
  if (from >= now - retention.rawHours * 3600 && span <= 24 * 3600) return "raw";
  if (from >= now - retention.fiveMinuteDays * 86_400 && span <= 31 * 86_400) return "5m";
  return "1h";
}

export async function queryStats(options: {
  store: MetricStore;
  server: string;
  from: number;
  to: number;
  resolution: ResolutionChoice;
  now: number;
  retention: Retention;
  keep?: KeyFilter;
  /** Renames series in the reply (a stack's series lose their project prefix). */
  rename?: (key: string) => string;
}): Promise<StatsSeries> {
  const resolution = options.resolution === "auto" ? chooseResolution(options) : options.resolution;
  const { timestamps, series } = await options.store.columns(
    options.server,
    resolution,
    options.from,
    options.to,
    options.keep,
  );
  const rename = options.rename;
  return {
    resolution,
    timestamps,
    series: rename ? Object.fromEntries(Object.entries(series).map(([key, c]) => [rename(key), c])) : series,
  };
}
