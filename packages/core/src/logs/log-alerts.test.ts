import { describe, expect, it } from "vitest";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { Observation } from "../alerts/rules.js";
import type { StackRow } from "../deploy/stack-store.js";
import { LogPatternAlerts } from "./log-alerts.js";
import type { StoredLine } from "./log-store.js";

const stack = (name: string, logAlerts: unknown[]) => ({ name, spec: { logAlerts } }) as unknown as StackRow;
let id = 0;
const line = (stack: string, text: string): StoredLine => ({
  id: ++id,
  at: 0,
  server: "apollo",
  stack,
  service: "app",
  container: "c",
  stream: "stderr",
  level: null,
  line: text,
});

function setup() {
  let now = 1_000_000;
  const seen: Observation[] = [];
  const alerts = {
    observe: async (o: Observation) => {
      seen.push(o);
    },
    openConditions: () => [],
  } as unknown as AlertManager;
  const patterns = new LogPatternAlerts({
    alerts,
    stacks: async () => [
      stack("api", [
        { pattern: "panic|FATAL", severity: "critical", quiet_minutes: 5 },
        { pattern: "(?i)timeout", severity: "warning", quiet_minutes: 10 },
      ]),
      stack("web", []),
    ],
    now: () => now,
  });
  return { patterns, seen, advance: (ms: number) => (now += ms) };
}

describe("LogPattern alerts", () => {
  it("open on the first matching line, update at most every 10 s, carry the last lines", async () => {
    const { patterns, seen, advance } = setup();
    await patterns.observe([line("api", "all good"), line("api", "panic: nil map"), line("web", "panic in web")]);
    expect(seen.map((o) => [o.condition, o.severity, o.message])).toEqual([
      ["log:api:0", "critical", "api: 1 line(s) matched /panic|FATAL/; last: app: panic: nil map"],
    ]);
    advance(2_000);
    await patterns.observe([line("api", "FATAL again"), line("api", "Request TIMEOUT")]);
    // The timeout pattern opens; the panic one waits for its debounce.
    expect(seen.slice(1).map((o) => o.condition)).toEqual(["log:api:1"]);
    advance(9_000);
    await patterns.sweep();
    expect(seen.at(-1)).toMatchObject({
      condition: "log:api:0",
      update: true,
      details: { count: 2, lines: ["app: panic: nil map", "app: FATAL again"] },
    });
  });

  it("resolve once a pattern has been quiet for its quiet_minutes", async () => {
    const { patterns, seen, advance } = setup();
    await patterns.observe([line("api", "panic"), line("api", "timeout")]);
    advance(5 * 60_000);
    await patterns.sweep();
    expect(seen.filter((o) => o.severity === null).map((o) => o.condition)).toEqual(["log:api:0"]);
    advance(5 * 60_000);
    await patterns.sweep();
    expect(seen.filter((o) => o.severity === null).map((o) => o.condition)).toEqual(["log:api:0", "log:api:1"]);
  });

  it("stays linear on a pattern that would make a backtracking engine hang", async () => {
    const seen: Observation[] = [];
    const evil = new LogPatternAlerts({
      alerts: {
        observe: async (o: Observation) => {
          seen.push(o);
        },
        openConditions: () => [],
      } as unknown as AlertManager,
      stacks: async () => [stack("api", [{ pattern: "(a+)+$", severity: "warning", quiet_minutes: 1 }])],
    });
    const started = Date.now();
    await evil.observe([line("api", `${"a".repeat(50_000)}!`), line("api", "aaa")]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen.map((o) => o.message)).toEqual(["api: 1 line(s) matched /(a+)+$/; last: app: aaa"]);
  });
});
