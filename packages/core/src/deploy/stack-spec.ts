// What a sync stored in a stack's spec for keeping it as Git says: its
// self-heal and rollback settings, the services not judged, its uptime
// checks, its image-update settings and images, its log alerts. Parsed in
// one place; a part an older core did not store (or wrote in another shape)
// takes its default.
import {
  deepFreeze,
  type LogAlertConfig,
  RECONCILE_DEFAULTS,
  type StackReconcile,
  type UptimeCheck,
} from "@tugboat/config";
import { z } from "zod";

/**
 * A reading of the spec, made once per spec object: the stack store hands out
 * one frozen spec per stored text (stack-store.ts), and a status round reads
 * every stack's settings. What is returned is frozen, as it is shared.
 */
function onceEach<T>(read: (spec: object) => T): (spec: unknown) => T {
  const made = new WeakMap<object, T>();
  return (spec) => {
    const object = typeof spec === "object" && spec !== null ? spec : {};
    if (!Object.isFrozen(object)) return deepFreeze(read(object));
    let value = made.get(object);
    if (value === undefined) {
      value = deepFreeze(read(object));
      made.set(object, value);
    }
    return value;
  };
}

const DEFAULT_RECONCILE: StackReconcile = { ...RECONCILE_DEFAULTS, deploy_gate: "health" };

const StoredSpec = z.object({
  reconcile: z
    .object({
      self_heal: z.boolean(),
      unhealthy_restart_after: z.number(),
      auto_rollback: z.boolean(),
      heal_budget: z.number(),
      heal_window_minutes: z.number(),
      deploy_gate: z.enum(["health", "checks"]),
    })
    .catch(DEFAULT_RECONCILE),
  ignoreServices: z.array(z.string()).catch([]),
  checks: z
    .array(
      z.object({
        name: z.string(),
        service: z.string().optional(),
        kind: z.enum(["http", "tcp"]),
        target: z.string(),
        intervalSeconds: z.number(),
        expectStatus: z.number().nullable(),
        expectBody: z.string(),
        failures: z.number(),
        timeoutSeconds: z.number(),
      }),
    )
    .catch([]),
});

export interface ReconcileSpec {
  reconcile: StackReconcile;
  ignoreServices: string[];
  checks: UptimeCheck[];
}

export const reconcileSpec: (spec: unknown) => Readonly<ReconcileSpec> = onceEach(
  (spec) => StoredSpec.safeParse(spec).data ?? { reconcile: DEFAULT_RECONCILE, ignoreServices: [], checks: [] },
);

const StoredImages = z.object({
  imageUpdates: z
    .object({
      poll: z.boolean(),
      auto: z.boolean(),
      allServices: z.boolean(),
      skipServices: z.array(z.string()),
    })
    .catch({ poll: false, auto: false, allServices: false, skipServices: [] }),
  images: z
    .array(z.object({ service: z.string(), image: z.string(), file: z.string(), line: z.number().optional() }))
    .catch([]),
});
export type ImageSpec = z.infer<typeof StoredImages>;

/** Komodo's poll_for_updates / auto_update settings of a stack, and its services' images as written. */
export const imageSpec: (spec: unknown) => Readonly<ImageSpec> = onceEach((spec) => StoredImages.parse(spec));

const StoredLogAlerts = z.object({
  logAlerts: z
    .array(
      z.object({
        pattern: z.string(),
        severity: z.enum(["warning", "critical"]),
        quiet_minutes: z.number(),
      }),
    )
    .catch([]),
});

/** The stack's `log_alerts`, as its sync stored them (validated then); none from an older core. */
export const logAlertSpec: (spec: unknown) => readonly LogAlertConfig[] = onceEach(
  (spec) => StoredLogAlerts.parse(spec).logAlerts,
);
