// The audit trail: who did what, when, from where, for every change that is
// not already an update record (logins, keys, users, two-factor, certificates,
// terminals, secrets). Rows older than the retention are deleted.
import type { Db } from "../db/open-database.js";

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  outcome: "ok" | "denied" | "failed";
  source: string;
  detail?: Record<string, unknown>;
}

export interface AuditRow extends Required<AuditEntry> {
  id: number;
  at: string;
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly retentionDays: number,
    /** Masks secret values out of what is stored. */
    private readonly mask: (text: string) => string,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto("audit")
      .values({
        at: new Date().toISOString(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        outcome: entry.outcome,
        source: entry.source,
        detail: this.mask(JSON.stringify(entry.detail ?? {})),
      })
      .execute();
  }

  async list(filter: { actor?: string; action?: string; limit: number }): Promise<AuditRow[]> {
    let query = this.db.selectFrom("audit").selectAll().orderBy("id", "desc").limit(filter.limit);
    if (filter.actor) query = query.where("actor", "=", filter.actor);
    if (filter.action) query = query.where("action", "=", filter.action);
    return (await query.execute()).map((row) => ({
      ...row,
      outcome: row.outcome as AuditRow["outcome"],
      detail: JSON.parse(row.detail) as Record<string, unknown>,
    }));
  }

  /** Deletes rows past the retention; returns how many. */
  async purge(): Promise<number> {
    const before = new Date(Date.now() - this.retentionDays * 86_400_000).toISOString();
    const result = await this.db.deleteFrom("audit").where("at", "<", before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
