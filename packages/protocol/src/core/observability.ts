// Core API: metrics history, alerts and alerters.
import { z } from "zod";

export const AlertView = z.object({
  id: z.string(),
  condition: z.string(),
  type: z.string(),
  targetKind: z.string(),
  targetName: z.string(),
  severity: z.enum(["warning", "critical"]),
  status: z.enum(["open", "resolved"]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  /** Opened inside a maintenance window: recorded, not sent. */
  suppressed: z.boolean(),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

export const AlertsQuery = z.object({
  status: z.enum(["open", "resolved", "all"]).default("all"),
  type: z.string().min(1).max(128).optional(),
  target: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const DeliveryView = z.object({
  id: z.number(),
  alertId: z.string(),
  alerter: z.string(),
  event: z.enum(["open", "escalate", "resolve", "test"]),
  status: z.enum(["pending", "sent", "failed"]),
  attempts: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

export const AlertDetailView = AlertView.extend({ deliveries: z.array(DeliveryView) });

export const AlerterView = z.object({
  name: z.string(),
  type: z.string(),
  enabled: z.boolean(),
  alertTypes: z.array(z.string()),
});
export type AlerterView = z.infer<typeof AlerterView>;

export const StatsQuery = z.object({
  /** Unix seconds or ISO 8601; default: one hour before `to`. */
  from: z.string().max(64).optional(),
  /** Unix seconds or ISO 8601; default: now. */
  to: z.string().max(64).optional(),
  resolution: z.enum(["auto", "raw", "5m", "1h"]).default("auto"),
  /** Server stats only: "host" (default), "containers" or "all". */
  series: z.enum(["host", "containers", "all"]).default("host"),
});

const Column = z.array(z.number().nullable());
export const StatsView = z.object({
  resolution: z.enum(["raw", "5m", "1h"]),
  timestamps: z.array(z.number()),
  series: z.record(z.string(), z.object({ avg: Column, min: Column.optional(), max: Column.optional() })),
});
export type StatsView = z.infer<typeof StatsView>;
