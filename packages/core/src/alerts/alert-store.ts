// Alerts and their deliveries (the only code touching these tables).
import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { Db } from "../db/open-database.js";
import type { AlertsTable } from "../db/schema.js";
import type { Severity } from "./alert-machine.js";

export interface AlertRecord {
  id: string;
  condition: string;
  type: string;
  targetKind: string;
  targetName: string;
  severity: Severity;
  status: "open" | "resolved";
  message: string;
  details: Record<string, unknown>;
  suppressed: boolean;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

export type DeliveryEvent = "open" | "escalate" | "resolve" | "test";

export interface DeliveryRecord {
  id: number;
  alertId: string;
  alerter: string;
  event: DeliveryEvent;
  status: "pending" | "sent" | "failed";
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
}

const now = () => new Date().toISOString();

export class AlertStore {
  constructor(private readonly db: Db) {}

  async open(input: {
    condition: string;
    type: string;
    targetKind: string;
    targetName: string;
    severity: Severity;
    message: string;
    details: Record<string, unknown>;
    suppressed: boolean;
  }): Promise<AlertRecord> {
    const at = now();
    const id = randomUUID();
    await this.db
      .insertInto("alerts")
      .values({
        id,
        condition: input.condition,
        type: input.type,
        target_kind: input.targetKind,
        target_name: input.targetName,
        severity: input.severity,
        status: "open",
        message: input.message,
        details: JSON.stringify(input.details),
        suppressed: input.suppressed ? 1 : 0,
        opened_at: at,
        updated_at: at,
        resolved_at: null,
      })
      .execute();
    return (await this.get(id)) as AlertRecord;
  }

  async update(id: string, change: { severity?: Severity; message: string; details: Record<string, unknown> }) {
    await this.db
      .updateTable("alerts")
      .set({
        ...(change.severity ? { severity: change.severity } : {}),
        message: change.message,
        details: JSON.stringify(change.details),
        updated_at: now(),
      })
      .where("id", "=", id)
      .execute();
  }

  async resolve(id: string, message: string): Promise<void> {
    const at = now();
    await this.db
      .updateTable("alerts")
      .set({ status: "resolved", message, updated_at: at, resolved_at: at })
      .where("id", "=", id)
      .execute();
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const row = await this.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async openAlerts(): Promise<AlertRecord[]> {
    return (await this.db.selectFrom("alerts").selectAll().where("status", "=", "open").execute()).map(toRecord);
  }

  async list(filter: { status?: "open" | "resolved"; type?: string; target?: string; limit?: number } = {}) {
    let query = this.db.selectFrom("alerts").selectAll();
    if (filter.status) query = query.where("status", "=", filter.status);
    if (filter.type) query = query.where("type", "=", filter.type);
    if (filter.target) query = query.where("target_name", "=", filter.target);
    const rows = await query
      .orderBy("opened_at", "desc")
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toRecord);
  }

  async addDelivery(alertId: string, alerter: string, event: DeliveryEvent): Promise<number> {
    const row = await this.db
      .insertInto("alert_deliveries")
      .values({
        alert_id: alertId,
        alerter,
        event,
        status: "pending",
        attempts: 0,
        last_error: null,
        next_attempt_at: now(),
        created_at: now(),
        sent_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async recordAttempt(
    id: number,
    outcome: { status: "pending" | "sent" | "failed"; error?: string; nextAttemptAt?: string },
  ): Promise<void> {
    const row = await this.db
      .selectFrom("alert_deliveries")
      .select("attempts")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    await this.db
      .updateTable("alert_deliveries")
      .set({
        status: outcome.status,
        attempts: row.attempts + 1,
        last_error: outcome.error ?? null,
        next_attempt_at: outcome.nextAttemptAt ?? null,
        ...(outcome.status === "sent" ? { sent_at: now() } : {}),
      })
      .where("id", "=", id)
      .execute();
  }

  async deliveries(filter: { alertId?: string; status?: DeliveryRecord["status"] } = {}): Promise<DeliveryRecord[]> {
    let query = this.db.selectFrom("alert_deliveries").selectAll();
    if (filter.alertId) query = query.where("alert_id", "=", filter.alertId);
    if (filter.status) query = query.where("status", "=", filter.status);
    const rows = await query.orderBy("id").execute();
    return rows.map((row) => ({
      id: Number(row.id),
      alertId: row.alert_id,
      alerter: row.alerter,
      event: row.event as DeliveryEvent,
      status: row.status as DeliveryRecord["status"],
      attempts: row.attempts,
      lastError: row.last_error,
      nextAttemptAt: row.next_attempt_at,
      createdAt: row.created_at,
      sentAt: row.sent_at,
    }));
  }
}

function toRecord(row: Selectable<AlertsTable>): AlertRecord {
  return {
    id: row.id,
    condition: row.condition,
    type: row.type,
    targetKind: row.target_kind,
    targetName: row.target_name,
    severity: row.severity as Severity,
    status: row.status as AlertRecord["status"],
    message: row.message,
    details: JSON.parse(row.details) as Record<string, unknown>,
    suppressed: row.suppressed === 1,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
  };
}
