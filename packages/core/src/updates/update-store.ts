// Update records: every action core takes (deploy, stop, sync run, …), with
// its trigger, target, reasons, streamed events and result.
import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { Db } from "../db/open-database.js";
import type { UpdatesTable } from "../db/schema.js";

export type UpdateStatus = "queued" | "running" | "success" | "failed";
export type Trigger = "user" | "api_key" | "webhook" | "poll" | "system" | "self-heal";

export interface UpdateRecord {
  id: string;
  operation: string;
  targetKind: string;
  targetName: string;
  trigger: Trigger;
  actor: string;
  commit: string | null;
  reasons: string[];
  status: UpdateStatus;
  /** The outcome, as the update ended (always an object). */
  result: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

const now = () => new Date().toISOString();

export class UpdateStore {
  constructor(private readonly db: Db) {}

  async create(input: {
    operation: string;
    targetKind: string;
    targetName: string;
    trigger: Trigger;
    actor: string;
    commit?: string | null;
    reasons?: string[];
  }): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto("updates")
      .values({
        id,
        operation: input.operation,
        target_kind: input.targetKind,
        target_name: input.targetName,
        trigger: input.trigger,
        actor: input.actor,
        commit: input.commit ?? null,
        reasons: JSON.stringify(input.reasons ?? []),
        status: "queued",
        result: null,
        created_at: now(),
        started_at: null,
        ended_at: null,
      })
      .execute();
    return id;
  }

  async start(id: string): Promise<void> {
    await this.db.updateTable("updates").set({ status: "running", started_at: now() }).where("id", "=", id).execute();
  }

  async finish(id: string, status: "success" | "failed", result: unknown): Promise<void> {
    await this.db
      .updateTable("updates")
      .set({ status, result: JSON.stringify(result), ended_at: now() })
      .where("id", "=", id)
      .execute();
  }

  async appendEvent(id: string, seq: number, event: unknown): Promise<void> {
    await this.db
      .insertInto("update_events")
      .values({ update_id: id, seq, event: JSON.stringify(event) })
      .execute();
  }

  async events(id: string, afterSeq = -1): Promise<Array<{ seq: number; event: Record<string, unknown> }>> {
    const rows = await this.db
      .selectFrom("update_events")
      .select(["seq", "event"])
      .where("update_id", "=", id)
      .where("seq", ">", afterSeq)
      .orderBy("seq")
      .execute();
    return rows.map((row) => ({ seq: row.seq, event: JSON.parse(row.event) as Record<string, unknown> }));
  }

  async get(id: string): Promise<UpdateRecord | undefined> {
    const row = await this.db.selectFrom("updates").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(filter: { targetName?: string; limit?: number } = {}): Promise<UpdateRecord[]> {
    let query = this.db
      .selectFrom("updates")
      .selectAll()
      .orderBy("created_at", "desc")
      .limit(filter.limit ?? 100);
    if (filter.targetName) query = query.where("target_name", "=", filter.targetName);
    return (await query.execute()).map(toRecord);
  }

  /** Marks updates left running by a core that stopped as failed; returns how many. */
  async failInterrupted(reason: string): Promise<number> {
    const result = await this.db
      .updateTable("updates")
      .set({
        status: "failed",
        result: JSON.stringify({ error: { code: "E_INTERRUPTED", message: reason } }),
        ended_at: now(),
      })
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

function toRecord(row: Selectable<UpdatesTable>): UpdateRecord {
  return {
    id: row.id,
    operation: row.operation,
    targetKind: row.target_kind,
    targetName: row.target_name,
    trigger: row.trigger as Trigger,
    actor: row.actor,
    commit: row.commit,
    reasons: JSON.parse(row.reasons) as string[],
    status: row.status as UpdateStatus,
    result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}
