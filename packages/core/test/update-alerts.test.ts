// A failed deploy's alert opens at once; the lines its stack logged during
// it are added when they arrive, and never reopen an alert a later deploy
// resolved meanwhile. Real alert manager and store, SQLite and PostgreSQL.
import { describe, expect, it } from "vitest";
import { AlertManager } from "../src/alerts/alert-manager.js";
import { AlertStore } from "../src/alerts/alert-store.js";
import { AlertDelivery } from "../src/alerts/delivery.js";
import { alertOnUpdates } from "../src/alerts/update-alerts.js";
import type { UpdateRecord } from "../src/updates/update-store.js";
import { backends } from "./backends.js";

const deploy = (id: string, status: "success" | "failed"): UpdateRecord => ({
  id,
  operation: "deploy",
  targetKind: "stack",
  targetName: "api",
  trigger: "poll",
  actor: "poll",
  commit: "c".repeat(40),
  reasons: [],
  status,
  result: status === "failed" ? { error: { code: "E_DEPLOY_FAILED", message: "app: exited with code 3" } } : {},
  createdAt: "2026-12-06T10:00:00.000Z",
  startedAt: "2026-12-06T10:00:00.000Z",
  endedAt: "2026-12-06T10:00:05.000Z",
});

describe.each(backends)("alerts of finished updates on $name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)("open at once, take the deploy's lines later, never reopen for them", async () => {
    const store = new AlertStore(await open());
    const alerts = new AlertManager({
      store,
      delivery: new AlertDelivery({ store, backoffMs: [], log: () => {}, allowPrivate: false }),
    });
    const pending: Array<(lines: string[]) => void> = [];
    const onUpdate = alertOnUpdates({
      alerts,
      stackServer: async () => "hercules",
      linesDuring: () => new Promise((resolve) => pending.push(resolve)),
    });

    const first = onUpdate(deploy("u1", "failed"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [opened] = await store.list({ type: "StackDeployFailed" });
    expect(opened).toMatchObject({ status: "open", details: { updateId: "u1" } });
    pending[0]?.(["app: crasher about to fall over"]);
    await first;
    expect((await store.list({ type: "StackDeployFailed" }))[0]?.details).toMatchObject({
      updateId: "u1",
      logs: ["app: crasher about to fall over"],
    });

    // Another failure, then a success before its lines arrive: they do not reopen the alert.
    const second = onUpdate(deploy("u2", "failed"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await onUpdate(deploy("u3", "success"));
    pending[1]?.(["app: late line"]);
    await second;
    const all = await store.list({ type: "StackDeployFailed" });
    expect(all.map((a) => a.status)).toEqual(["resolved"]);
    expect(JSON.stringify(all[0]?.details)).not.toContain("late line");
  });
});
