import { describe, expect, it } from "vitest";
import { retain, type Slot } from "./retention.js";

const KEEP = { daily: 7, weekly: 4, monthly: 3 };

/** 120 days of nightly backups (and a manual one every 10th day), pruned after each as core does. */
function simulate(days: number, start = Date.UTC(2026, 7, 1, 3)) {
  let kept: Array<{ createdAt: string }> = [];
  for (let n = 0; n < days; n++) {
    const night = new Date(start + n * 86_400_000);
    kept.push({ createdAt: night.toISOString() });
    if (n % 10 === 0) kept.push({ createdAt: new Date(night.getTime() + 9 * 3600_000).toISOString() });
    kept = [...retain(kept, KEEP).keys()];
  }
  return retain(kept, KEEP);
}

describe("GFS retention", () => {
  it("keeps exactly 7 daily, 4 weekly and 3 monthly backups after 120 days", () => {
    const slots = simulate(120);
    const count = (slot: Slot) => [...slots.values()].filter((s) => s.includes(slot)).length;
    expect([count("daily"), count("weekly"), count("monthly")]).toEqual([7, 4, 3]);
    const kept = [...slots.keys()].map((b) => b.createdAt.slice(0, 16)).sort();
    // 2026-08-01 + 119 days = 2026-11-28 (a Saturday). Dailies: the last 7 nights (the 11-22 manual one was pruned);
    // weeklies: the newest of weeks 48, 47, 46, 45 (Sundays); monthlies: the newest of November, October and
    // September (09-30 had a manual backup at noon).
    expect(kept).toEqual([
      "2026-09-30T12:00",
      "2026-10-31T03:00",
      "2026-11-08T03:00",
      "2026-11-15T03:00",
      "2026-11-22T03:00",
      "2026-11-23T03:00",
      "2026-11-24T03:00",
      "2026-11-25T03:00",
      "2026-11-26T03:00",
      "2026-11-27T03:00",
      "2026-11-28T03:00",
    ]);
  });

  it("counts days that have a backup, not calendar days", () => {
    const backups = ["2026-01-01", "2026-01-05", "2026-01-20", "2026-03-01"].map((d) => ({
      createdAt: `${d}T03:00:00Z`,
    }));
    const slots = retain(backups, { daily: 2, weekly: 0, monthly: 0 });
    expect([...slots.keys()].map((b) => b.createdAt.slice(0, 10))).toEqual(["2026-03-01", "2026-01-20"]);
  });

  it("keeps the newest backup of a day, and nothing when every count is 0", () => {
    const backups = [{ createdAt: "2026-01-01T03:00:00Z" }, { createdAt: "2026-01-01T15:00:00Z" }];
    expect([...retain(backups, { daily: 1, weekly: 1, monthly: 1 }).entries()]).toEqual([
      [backups[1], ["daily", "weekly", "monthly"]],
    ]);
    expect(retain(backups, { daily: 0, weekly: 0, monthly: 0 }).size).toBe(0);
  });
});
