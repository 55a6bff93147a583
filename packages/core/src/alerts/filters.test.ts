import { AlerterConfig, MaintenanceWindow } from "@tugboat/config";
import { describe, expect, it } from "vitest";
import type { AlertRecord } from "./alert-store.js";
import { alerterWants } from "./filters.js";

const alert = (fields: Partial<AlertRecord> = {}): AlertRecord => ({
  id: "a",
  condition: "stack:immich",
  type: "StackStateChange",
  targetKind: "stack",
  targetName: "immich",
  severity: "critical",
  status: "open",
  message: "",
  details: {},
  suppressed: false,
  openedAt: "",
  updatedAt: "",
  resolvedAt: null,
  ...fields,
});
const config = (fields: Record<string, unknown>) => AlerterConfig.parse(fields);
const now = new Date("2026-11-23T12:00:00Z");

describe("alerter filters", () => {
  it("sends everything by default, nothing when disabled", () => {
    expect(alerterWants(config({}), alert(), now)).toBe(true);
    expect(alerterWants(config({ enabled: false }), alert(), now)).toBe(false);
  });

  it("filters by alert type", () => {
    expect(alerterWants(config({ alert_types: ["ServerUnreachable"] }), alert(), now)).toBe(false);
    expect(alerterWants(config({ alert_types: ["StackStateChange"] }), alert(), now)).toBe(true);
  });

  it("matches resources by name, by Komodo's { type, id }, and by { Kind = name }", () => {
    for (const ref of ["immich", { type: "Stack", id: "immich" }, { Stack: "immich" }]) {
      expect(alerterWants(config({ resources: [ref] }), alert(), now), JSON.stringify(ref)).toBe(true);
      expect(alerterWants(config({ except_resources: [ref] }), alert(), now), JSON.stringify(ref)).toBe(false);
    }
    expect(alerterWants(config({ resources: [{ type: "Server", id: "immich" }] }), alert(), now)).toBe(false);
  });

  it("stays quiet in its own maintenance window, but always sends a test", () => {
    const window = MaintenanceWindow.parse({ hour: 11, duration_minutes: 120, timezone: "UTC" });
    const quiet = config({ maintenance_windows: [window], alert_types: ["ServerCpu"] });
    expect(alerterWants(quiet, alert({ type: "ServerCpu" }), now)).toBe(false);
    expect(alerterWants(config({ alert_types: ["ServerCpu"] }), alert({ type: "Test" }), now)).toBe(true);
  });
});
