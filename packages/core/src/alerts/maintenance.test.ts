import { MaintenanceWindow } from "@tugboat/config";
import { describe, expect, it } from "vitest";
import { activeWindow } from "./maintenance.js";

const window = (fields: Partial<MaintenanceWindow>) => MaintenanceWindow.parse(fields);

describe("maintenance windows", () => {
  it("covers a daily window in its own timezone, start inclusive and end exclusive", () => {
    // 03:00-04:00 in Berlin is 02:00-03:00 UTC in winter.
    const nightly = [window({ schedule_type: "Daily", hour: 3, duration_minutes: 60, timezone: "Europe/Berlin" })];
    expect(activeWindow(nightly, new Date("2026-11-23T01:59:00Z"))).toBeUndefined();
    expect(activeWindow(nightly, new Date("2026-11-23T02:00:00Z"))).toBeDefined();
    expect(activeWindow(nightly, new Date("2026-11-23T02:59:00Z"))).toBeDefined();
    expect(activeWindow(nightly, new Date("2026-11-23T03:00:00Z"))).toBeUndefined();
  });

  it("carries a window past midnight into the next day", () => {
    const late = [window({ schedule_type: "Daily", hour: 23, minute: 30, duration_minutes: 90, timezone: "UTC" })];
    expect(activeWindow(late, new Date("2026-11-24T00:30:00Z"))).toBeDefined();
    expect(activeWindow(late, new Date("2026-11-24T01:00:00Z"))).toBeUndefined();
  });

  it("covers a weekly window only on its weekday", () => {
    const sunday = [
      window({ schedule_type: "Weekly", day_of_week: "Sunday", hour: 4, duration_minutes: 120, timezone: "UTC" }),
    ];
    expect(activeWindow(sunday, new Date("2026-11-22T05:00:00Z"))).toBeDefined(); // a Sunday
    expect(activeWindow(sunday, new Date("2026-11-23T05:00:00Z"))).toBeUndefined(); // a Monday
  });

  it("covers a one-off window on its date only, and ignores disabled windows", () => {
    const once = window({
      schedule_type: "OneTime",
      date: "2026-12-01",
      hour: 10,
      duration_minutes: 30,
      timezone: "America/New_York",
    });
    expect(activeWindow([once], new Date("2026-12-01T15:10:00Z"))).toBeDefined();
    expect(activeWindow([once], new Date("2026-12-02T15:10:00Z"))).toBeUndefined();
    expect(activeWindow([{ ...once, enabled: false }], new Date("2026-12-01T15:10:00Z"))).toBeUndefined();
  });
});
