import { describe, expect, it } from "vitest";
import { rollUpBuckets, rollUpSamples } from "./rollup.js";

describe("rollups", () => {
  it("puts a sample at a bucket's start in that bucket and one a second earlier in the previous", () => {
    const buckets = rollUpSamples(
      [
        { at: 299, values: { cpu: 10 } },
        { at: 300, values: { cpu: 20 } },
        { at: 450, values: { cpu: 60 } },
        { at: 599, values: { cpu: 40 } },
        { at: 600, values: { cpu: 5 } },
      ],
      300,
    );
    expect(buckets).toEqual([
      { start: 0, series: { cpu: { min: 10, avg: 10, max: 10, count: 1 } } },
      { start: 300, series: { cpu: { min: 20, avg: 40, max: 60, count: 3 } } },
      { start: 600, series: { cpu: { min: 5, avg: 5, max: 5, count: 1 } } },
    ]);
  });

  it("weights averages by sample count when merging buckets into hours", () => {
    const fiveMinute = rollUpSamples(
      [
        // 3 samples averaging 10 in the first bucket, 1 sample of 50 in the last bucket of the hour.
        { at: 3600, values: { mem: 0 } },
        { at: 3615, values: { mem: 10 } },
        { at: 3630, values: { mem: 20 } },
        { at: 7199, values: { mem: 50 } },
        { at: 7200, values: { mem: 1000 } },
      ],
      300,
    );
    const hourly = rollUpBuckets(fiveMinute, 3600);
    expect(hourly).toEqual([
      { start: 3600, series: { mem: { min: 0, avg: 20, max: 50, count: 4 } } },
      { start: 7200, series: { mem: { min: 1000, avg: 1000, max: 1000, count: 1 } } },
    ]);
  });

  it("keeps series that appear in only some samples (a container that started mid-bucket)", () => {
    const [bucket] = rollUpSamples(
      [
        { at: 0, values: { cpu: 1 } },
        { at: 15, values: { cpu: 3, "c:web/web-1.cpu": 7 } },
      ],
      300,
    );
    expect(bucket?.series).toEqual({
      cpu: { min: 1, avg: 2, max: 3, count: 2 },
      "c:web/web-1.cpu": { min: 7, avg: 7, max: 7, count: 1 },
    });
  });
});
