import { deepFreeze, RECONCILE_DEFAULTS } from "@tugboat/config";
import { describe, expect, it } from "vitest";
import { imageSpec, reconcileSpec } from "./stack-spec.js";

describe("a stack's stored settings", () => {
  const spec = {
    reconcile: {
      self_heal: false,
      unhealthy_restart_after: 3,
      auto_rollback: true,
      heal_budget: 2,
      heal_window_minutes: 10,
      deploy_gate: "checks",
    },
    ignoreServices: ["migrate"],
    imageUpdates: { poll: true, auto: false, allServices: false, skipServices: [] },
  };

  it("reads a spec the store hands out (frozen) once, and shares the frozen reading", () => {
    const stored = deepFreeze(structuredClone(spec));
    const first = reconcileSpec(stored);
    expect(first.reconcile).toMatchObject({ self_heal: false, deploy_gate: "checks" });
    expect(first.ignoreServices).toEqual(["migrate"]);
    expect(reconcileSpec(stored)).toBe(first);
    expect(Object.isFrozen(first.ignoreServices)).toBe(true);
    expect(imageSpec(stored).imageUpdates.poll).toBe(true);
    // Another text stored (another object): read anew.
    const changed = deepFreeze({ ...structuredClone(spec), ignoreServices: [] });
    expect(reconcileSpec(changed).ignoreServices).toEqual([]);
  });

  it("reads a spec that is not frozen every time, and takes defaults for what an older core did not store", () => {
    const open = structuredClone(spec);
    expect(reconcileSpec(open)).not.toBe(reconcileSpec(open));
    expect(reconcileSpec(null).reconcile.deploy_gate).toBe("health");
    expect(reconcileSpec({ reconcile: "garbage" }).reconcile.self_heal).toBe(RECONCILE_DEFAULTS.self_heal);
  });
});
