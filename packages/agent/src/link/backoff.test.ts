import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./backoff.js";

describe("reconnectDelay", () => {
  it("doubles from one second, capped at a minute, with half of it random", () => {
    expect([0, 1, 2, 3, 6, 7, 40].map((n) => reconnectDelay(n, 0))).toEqual([
      500, 1000, 2000, 4000, 30000, 30000, 30000,
    ]);
    expect([0, 1, 5, 6, 40].map((n) => reconnectDelay(n, 0.999999))).toEqual([1000, 2000, 32000, 60000, 60000]);
  });

  it("spreads agents that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(4)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(8000);
  });
});
