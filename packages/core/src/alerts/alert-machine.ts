// The life of one alert condition, as a pure function of its samples: opens
// after N consecutive bad samples, escalates when it gets worse, resolves
// when the condition clears. One condition has at most one open alert.
export type Severity = "warning" | "critical";

export interface ConditionState {
  /** Consecutive bad samples so far. */
  bad: number;
  /** The severity of the open alert; null when none is open. */
  open: Severity | null;
}

export type Transition = "open" | "escalate" | "deescalate" | "resolve";

export const INITIAL: ConditionState = { bad: 0, open: null };

/**
 * One sample: `observed` is the severity seen now, or null when all is well.
 * `openAfter` is how many consecutive bad samples open an alert (events use 1).
 */
export function step(
  state: ConditionState,
  observed: Severity | null,
  openAfter = 2,
): { state: ConditionState; transition: Transition | null } {
  if (observed === null) {
    return { state: INITIAL, transition: state.open ? "resolve" : null };
  }
  const bad = state.bad + 1;
  if (state.open === null) {
    return bad >= openAfter
      ? { state: { bad, open: observed }, transition: "open" }
      : { state: { bad, open: null }, transition: null };
  }
  if (observed === state.open) return { state: { bad, open: observed }, transition: null };
  return { state: { bad, open: observed }, transition: observed === "critical" ? "escalate" : "deescalate" };
}

/** The severity of a value against a warning and a critical threshold (percent). */
export function thresholdSeverity(value: number, warning: number, critical: number): Severity | null {
  if (value >= critical) return "critical";
  if (value >= warning) return "warning";
  return null;
}
