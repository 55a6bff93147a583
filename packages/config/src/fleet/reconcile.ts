// How core keeps a stack as Git says once it is deployed: self-heal, the
// restart budget, automatic rollback and the deploy gate. Repository-wide
// defaults come from tugboat.toml's [reconcile]; a stack's own fields win.
import type { Diagnostics } from "../diagnostics.js";
import type { StackConfig } from "../resources/stack.js";
import type { ParsedToml } from "../toml/parse-toml.js";
import { didYouMean } from "./suggest.js";

export interface ReconcileDefaults {
  /** Redeploy the recorded version of a drifted stack (off unless set). */
  self_heal: boolean;
  /** Restart a service whose healthcheck failed this many times in a row (0: never). */
  unhealthy_restart_after: number;
  /** Bring back the last good deploy when a new one fails its health gate. */
  auto_rollback: boolean;
  /** Heals allowed per stack within `heal_window_minutes` before it counts as flapping. */
  heal_budget: number;
  heal_window_minutes: number;
}

export const RECONCILE_DEFAULTS: ReconcileDefaults = {
  self_heal: false,
  unhealthy_restart_after: 3,
  auto_rollback: true,
  heal_budget: 3,
  heal_window_minutes: 10,
};

/** What core applies to one stack. */
export interface StackReconcile extends ReconcileDefaults {
  /** "health": containers running and healthy; "checks": its uptime checks pass too. */
  deploy_gate: "health" | "checks";
}

const LIMITS: Record<keyof ReconcileDefaults, "boolean" | { min: number; max: number }> = {
  self_heal: "boolean",
  unhealthy_restart_after: { min: 0, max: 1000 },
  auto_rollback: "boolean",
  heal_budget: { min: 1, max: 100 },
  heal_window_minutes: { min: 1, max: 24 * 60 },
};

/** Reads tugboat.toml's `[reconcile]` table; a wrong value is an error naming its line, an unknown key a warning. */
export function readReconcileDefaults(value: unknown, toml: ParsedToml, diagnostics: Diagnostics): ReconcileDefaults {
  const defaults = { ...RECONCILE_DEFAULTS };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    diagnostics.error("E_INVALID_TYPE", "[reconcile] must be a table", toml.locate(["reconcile"]), "reconcile");
    return defaults;
  }
  for (const [key, given] of Object.entries(value)) {
    const field = `reconcile.${key}`;
    const at = toml.locate(["reconcile", key]);
    const limit = LIMITS[key as keyof ReconcileDefaults];
    if (limit === undefined) {
      diagnostics.warning(
        "W_UNKNOWN_FIELD",
        `unknown setting ${field}${didYouMean(key, Object.keys(LIMITS))}; ignored`,
        at,
        field,
      );
    } else if (limit === "boolean") {
      if (typeof given === "boolean") (defaults as Record<string, unknown>)[key] = given;
      else diagnostics.error("E_INVALID_TYPE", `${field} must be true or false`, at, field);
    } else if (
      (typeof given === "number" || typeof given === "bigint") &&
      Number.isInteger(Number(given)) &&
      Number(given) >= limit.min &&
      Number(given) <= limit.max
    ) {
      (defaults as Record<string, unknown>)[key] = Number(given);
    } else {
      diagnostics.error(
        "E_INVALID_VALUE",
        `${field} must be a whole number from ${limit.min} to ${limit.max}`,
        at,
        field,
      );
    }
  }
  return defaults;
}

export function stackReconcile(config: StackConfig, defaults: ReconcileDefaults): StackReconcile {
  return {
    ...defaults,
    self_heal: config.self_heal ?? defaults.self_heal,
    unhealthy_restart_after: config.unhealthy_restart_after ?? defaults.unhealthy_restart_after,
    auto_rollback: config.auto_rollback ?? defaults.auto_rollback,
    deploy_gate: config.deploy_gate,
  };
}
