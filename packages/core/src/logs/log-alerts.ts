// `LogPattern` alerts: a stack's `log_alerts` patterns (RE2: linear time,
// whatever a repository writes) matched against every line core stores. The
// first matching line opens the alert; later ones update it at most every
// ten seconds (debounced), carrying the last matching lines; a pattern quiet
// for its `quiet_minutes` resolves it. Alerts a previous core left open
// resolve after a quiet period too.
import type { LogAlertConfig } from "@tugboat/config";
import { RE2JS } from "re2js";
import type { AlertManager } from "../alerts/alert-manager.js";
import { logAlertSpec } from "../deploy/stack-spec.js";
import type { StackRow } from "../deploy/stack-store.js";
import type { StoredLine } from "./log-store.js";

const UPDATE_EVERY_MS = 10_000;
const KEPT_LINES = 10;
const REFRESH_MS = 30_000;

interface Compiled extends LogAlertConfig {
  index: number;
  matcher: RE2JS;
}

interface Condition {
  stack: string;
  server: string;
  alert: LogAlertConfig;
  count: number;
  lines: string[];
  lastMatchAt: number;
  sentAt: number;
  /** Matched since the alert was last sent. */
  dirty: boolean;
}

export const logCondition = (stack: string, index: number) => `log:${stack}:${index}`;

export class LogPatternAlerts {
  private patterns = new Map<string, Compiled[]>();
  private refreshedAt = 0;
  private readonly conditions = new Map<string, Condition>();
  private readonly startedAt: number;

  constructor(
    private readonly deps: {
      alerts: AlertManager;
      stacks: () => Promise<StackRow[]>;
      now?: () => number;
    },
  ) {
    this.startedAt = this.now();
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Lines just stored: matched against their stack's patterns. */
  async observe(lines: readonly StoredLine[]): Promise<void> {
    await this.refresh();
    const touched = new Set<string>();
    for (const line of lines) {
      for (const pattern of this.patterns.get(line.stack) ?? []) {
        if (!pattern.matcher.matcher(line.line).find()) continue;
        const key = logCondition(line.stack, pattern.index);
        const condition = this.conditions.get(key) ?? {
          stack: line.stack,
          server: line.server,
          alert: pattern,
          count: 0,
          lines: [],
          lastMatchAt: 0,
          sentAt: 0,
          dirty: false,
        };
        condition.count += 1;
        condition.lines = [...condition.lines, `${line.service}: ${line.line}`].slice(-KEPT_LINES);
        condition.lastMatchAt = this.now();
        condition.dirty = true;
        this.conditions.set(key, condition);
        touched.add(key);
      }
    }
    for (const key of touched) await this.send(key);
  }

  /** Sends what waits out its debounce, and resolves patterns quiet for their quiet_minutes. */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const key of [...this.conditions.keys()]) await this.send(key);
    for (const [key, condition] of this.conditions) {
      if (now - condition.lastMatchAt < condition.alert.quiet_minutes * 60_000) continue;
      this.conditions.delete(key);
      await this.deps.alerts.observe({
        condition: key,
        type: "LogPattern",
        target: { kind: "stack", name: condition.stack },
        server: condition.server,
        severity: null,
        message: `${condition.stack}: no line matched /${condition.alert.pattern}/ for ${condition.alert.quiet_minutes} min`,
        details: {},
      });
    }
    // Left open by a core that stopped: nothing has matched since this one started.
    for (const key of this.deps.alerts.openConditions("log:"))
      if (!this.conditions.has(key) && now - this.startedAt >= 10 * 60_000)
        await this.deps.alerts.observe({
          condition: key,
          type: "LogPattern",
          target: { kind: "stack", name: key.split(":")[1] ?? "" },
          severity: null,
          message: "no matching line since core started",
          details: {},
        });
  }

  /** The first match opens at once; later ones are sent once the debounce has passed (here, or at a sweep). */
  private async send(key: string): Promise<void> {
    const condition = this.conditions.get(key);
    if (!condition?.dirty) return;
    const now = this.now();
    if (condition.sentAt !== 0 && now - condition.sentAt < UPDATE_EVERY_MS) return;
    condition.dirty = false;
    condition.sentAt = now;
    await this.deps.alerts.observe({
      condition: key,
      type: "LogPattern",
      target: { kind: "stack", name: condition.stack },
      server: condition.server,
      severity: condition.alert.severity,
      message: `${condition.stack}: ${condition.count} line(s) matched /${condition.alert.pattern}/; last: ${condition.lines.at(-1) ?? ""}`,
      details: { pattern: condition.alert.pattern, count: condition.count, lines: condition.lines },
      openAfter: 1,
      update: true,
    });
  }

  /** Each stack's patterns, compiled once per spec, re-read every 30 s. */
  private async refresh(): Promise<void> {
    if (this.now() - this.refreshedAt < REFRESH_MS && this.refreshedAt !== 0) return;
    this.refreshedAt = this.now();
    const next = new Map<string, Compiled[]>();
    for (const stack of await this.deps.stacks()) {
      const alerts = logAlertSpec(stack.spec);
      if (alerts.length === 0) continue;
      const before = this.patterns.get(stack.name);
      next.set(
        stack.name,
        alerts.flatMap((alert, index) => {
          const same = before?.find((p) => p.index === index && p.pattern === alert.pattern);
          if (same) return [{ ...same, ...alert }];
          try {
            return [{ ...alert, index, matcher: RE2JS.compile(alert.pattern) }];
          } catch {
            return []; // validated when the sync read it; a spec from elsewhere is skipped
          }
        }),
      );
    }
    this.patterns = next;
  }
}
