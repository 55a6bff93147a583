import { describe, expect, it } from "vitest";
import {
  type ConditionState,
  INITIAL,
  type Severity,
  step,
  type Transition,
  thresholdSeverity,
} from "./alert-machine.js";

function run(samples: Array<Severity | null>, openAfter = 2): Array<Transition | null> {
  let state: ConditionState = INITIAL;
  return samples.map((observed) => {
    const next = step(state, observed, openAfter);
    state = next.state;
    return next.transition;
  });
}

describe("alert state machine", () => {
  it("opens after two consecutive bad samples, not after one", () => {
    expect(run(["warning", null, "warning", "warning", "warning"])).toEqual([null, null, null, "open", null]);
  });

  it("opens once however long the condition lasts (no flood)", () => {
    const transitions = run(Array.from({ length: 100 }, () => "critical" as const));
    expect(transitions.filter((t) => t === "open")).toHaveLength(1);
    expect(transitions.filter((t) => t !== null)).toHaveLength(1);
  });

  it("escalates to critical and back, then resolves when clear", () => {
    expect(run(["warning", "warning", "critical", "critical", "warning", null, null])).toEqual([
      null,
      "open",
      "escalate",
      null,
      "deescalate",
      "resolve",
      null,
    ]);
  });

  it("opens events at once when asked to", () => {
    expect(run(["critical", "critical", null], 1)).toEqual(["open", null, "resolve"]);
  });

  it("does not resolve what never opened", () => {
    expect(run(["warning", null, null])).toEqual([null, null, null]);
  });

  it("grades a value against thresholds, inclusive", () => {
    expect(thresholdSeverity(74.9, 75, 95)).toBeNull();
    expect(thresholdSeverity(75, 75, 95)).toBe("warning");
    expect(thresholdSeverity(95, 75, 95)).toBe("critical");
  });
});
