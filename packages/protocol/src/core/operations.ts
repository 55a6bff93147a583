// Running core itself: its backups, the fleet doctor, agent builds and upgrades.
import { z } from "zod";

export const BackupView = z.object({
  name: z.string(),
  createdAt: z.string(),
  trigger: z.enum(["schedule", "manual", "pre-migration"]),
  status: z.enum(["ok", "failed"]),
  size: z.number(),
  sha256: z.string(),
  encrypted: z.boolean(),
  database: z.enum(["sqlite", "postgres"]),
  migration: z.string(),
  coreVersion: z.string(),
  tables: z.record(z.string(), z.number()),
  durationMs: z.number(),
  error: z.string().optional(),
  /** The GFS slots that keep it; empty: the next prune deletes it. */
  slots: z.array(z.enum(["daily", "weekly", "monthly"])).optional(),
});
export type BackupView = z.infer<typeof BackupView>;

export const BackupList = z.object({
  backups: z.array(BackupView),
  dir: z.string(),
  schedule: z.string(),
  nextRun: z.string().nullable(),
  keep: z.object({ daily: z.number(), weekly: z.number(), monthly: z.number() }),
  encrypted: z.boolean(),
});
export type BackupList = z.infer<typeof BackupList>;

export const BackupParams = z.object({ name: z.string().regex(/^[A-Za-z0-9._-]+$/) });

export const DoctorRowView = z.object({
  check: z.string(),
  target: z.string(),
  status: z.enum(["ok", "warn", "fail"]),
  detail: z.string(),
  /** What to try; "" for ok rows. */
  fix: z.string(),
});
export type DoctorRowView = z.infer<typeof DoctorRowView>;

export const DoctorReport = z.object({
  rows: z.array(DoctorRowView),
  ok: z.number(),
  warn: z.number(),
  fail: z.number(),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

export const AgentBuildView = z.object({
  version: z.string(),
  /** As published next to the build (tugboat-agent.mjs.sha256); agents check upgrades against it. */
  sha256: z.string(),
  size: z.number(),
});
export type AgentBuildView = z.infer<typeof AgentBuildView>;

export const AgentUpgradeRequest = z
  .object({
    /** These servers, in this order. */
    servers: z.array(z.string().min(1)).default([]),
    /** Every enabled server, by name. */
    all: z.boolean().default(false),
    /** Put back each agent's previous build instead. */
    rollback: z.boolean().default(false),
  })
  .refine((r) => r.all !== r.servers.length > 0, "either servers or all");
