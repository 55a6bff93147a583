// Grandfather-father-son retention, as restic's --keep-daily/--keep-weekly/
// --keep-monthly count it: the newest backup of each of the N most recent
// days (ISO weeks, months) that have one is kept; a backup may fill a daily
// and a weekly slot at once. Days, weeks and months are UTC.

export interface Retention {
  daily: number;
  weekly: number;
  monthly: number;
}

export type Slot = "daily" | "weekly" | "monthly";

const day = (at: Date) => at.toISOString().slice(0, 10);
const month = (at: Date) => at.toISOString().slice(0, 7);

/** ISO 8601 week, e.g. 2026-W49 (Monday to Sunday, the week of its Thursday's year). */
function week(at: Date): string {
  const thursday = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const number = Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(number).padStart(2, "0")}`;
}

const PERIODS: ReadonlyArray<[Slot, (at: Date) => string]> = [
  ["daily", day],
  ["weekly", week],
  ["monthly", month],
];

/**
 * Which backups to keep, each with the slots it fills. `backups` are the
 * good ones (a failed attempt is not a backup); the others are to delete.
 */
export function retain<T extends { createdAt: string }>(backups: readonly T[], keep: Retention): Map<T, Slot[]> {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const kept = new Map<T, Slot[]>();
  for (const [slot, period] of PERIODS) {
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      if (seen.size >= keep[slot]) break;
      const key = period(new Date(backup.createdAt));
      if (seen.has(key)) continue;
      seen.add(key);
      kept.set(backup, [...(kept.get(backup) ?? []), slot]);
    }
  }
  return kept;
}
