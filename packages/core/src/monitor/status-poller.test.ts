import { describe, expect, it } from "vitest";
import { offsetOf } from "./status-poller.js";

describe("the spot of each server in a status round", () => {
  it("is the same every round, inside the first 90 % of the interval", () => {
    for (let i = 0; i < 500; i += 1) {
      const offset = offsetOf(`s${i}`, 15_000);
      expect(offset).toBe(offsetOf(`s${i}`, 15_000));
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(13_500);
    }
  });

  it("spreads a fleet over the round rather than polling it all at once", () => {
    // 500 servers in 10 slices of 1.35 s: each slice gets some, none gets a quarter of them.
    const slices = new Array<number>(10).fill(0);
    for (let i = 0; i < 500; i += 1) {
      const slice = Math.floor(offsetOf(`server-${i}`, 15_000) / 1350);
      slices[slice] = (slices[slice] ?? 0) + 1;
    }
    expect(Math.min(...slices)).toBeGreaterThan(0);
    expect(Math.max(...slices)).toBeLessThan(125);
  });
});
