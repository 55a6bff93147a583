import { describe, expect, it } from "vitest";
import { deployWaves } from "./waves.js";

const stacks = [
  { name: "postgres", after: [] },
  { name: "redis", after: [] },
  { name: "app", after: ["postgres", "redis"] },
  { name: "proxy", after: ["app"] },
  { name: "worker", after: ["app"] },
];

describe("deployWaves", () => {
  it("puts each stack one wave after the latest stack it comes after", () => {
    const waves = deployWaves(stacks, new Set(stacks.map((s) => s.name)));
    expect(Object.fromEntries(waves)).toEqual({ postgres: 1, redis: 1, app: 2, proxy: 3, worker: 3 });
  });

  it("keeps ordering through stacks that are not deploying, with no empty waves", () => {
    const waves = deployWaves(stacks, new Set(["postgres", "proxy"]));
    expect(Object.fromEntries(waves)).toEqual({ postgres: 1, proxy: 2 });
  });

  it("puts unrelated stacks in the first wave", () => {
    expect(Object.fromEntries(deployWaves(stacks, new Set(["proxy", "worker"])))).toEqual({ proxy: 1, worker: 1 });
  });
});
