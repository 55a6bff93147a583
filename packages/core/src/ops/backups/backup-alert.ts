// A failed backup opens a critical alert; the next good one resolves it.
import type { Observation } from "../../alerts/rules.js";
import type { BackupRecord } from "./backups.js";

export function backupObservation(record: BackupRecord): Observation {
  const failed = record.status === "failed";
  return {
    condition: "core-backup",
    type: "BackupFailed",
    target: { kind: "fleet", name: "core" },
    severity: failed ? "critical" : null,
    message: failed ? `core's backup failed: ${record.error}` : `core's backup ${record.name} succeeded`,
    details: { backup: record.name, trigger: record.trigger },
    openAfter: 1,
  };
}
