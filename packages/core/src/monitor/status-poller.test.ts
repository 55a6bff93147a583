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

  it("polls the servers that fall near each other together, a few spots a second", () => {
    const spots = new Map<number, number>();
    for (let i = 0; i < 500; i += 1) {
      const offset = offsetOf(`server-${i}`, 15_000);
      expect(offset % 250).toBe(0);
      spots.set(offset, (spots.get(offset) ?? 0) + 1);
    }
    // 54 spots of 250 ms in the first 13.5 s: about nine servers each.
    expect(spots.size).toBeLessThanOrEqual(54);
    expect(Math.max(...spots.values())).toBeLessThan(30);
  });
});
