// Syncs: which repository, branch and paths; the last commit seen and
// applied; the errors of an invalid commit; a plan held for a manual run.
import { type Diagnostic, EMPTY_STATE, FleetState } from "@tugboat/config";
import type { Selectable } from "kysely";
import type { Db } from "../db/open-database.js";
import type { SyncsTable } from "../db/schema.js";

export type SyncStatus = "never" | "ok" | "invalid" | "pending" | "failed";

export interface SyncRow {
  name: string;
  repoUrl: string;
  branch: string;
  paths: string[];
  managed: boolean;
  webhookSecret: string;
  declaredBy: string | null;
  headCommit: string | null;
  appliedCommit: string | null;
  status: SyncStatus;
  errors: Diagnostic[];
  pendingPlan: unknown;
  checkedAt: string | null;
}

export class SyncStore {
  constructor(private readonly db: Db) {}

  async upsert(input: {
    name: string;
    repoUrl: string;
    branch: string;
    paths: string[];
    managed: boolean;
    webhookSecret?: string;
    declaredBy?: string | null;
  }) {
    const values = {
      repo_url: input.repoUrl,
      branch: input.branch,
      paths: JSON.stringify(input.paths),
      managed: input.managed ? 1 : 0,
      webhook_secret: input.webhookSecret ?? "",
      declared_by: input.declaredBy ?? null,
    };
    const existing = await this.db.selectFrom("syncs").select("name").where("name", "=", input.name).executeTakeFirst();
    if (existing) await this.db.updateTable("syncs").set(values).where("name", "=", input.name).execute();
    else
      await this.db
        .insertInto("syncs")
        .values({
          name: input.name,
          ...values,
          head_commit: null,
          applied_commit: null,
          status: "never",
          errors: null,
          pending_plan: null,
          applied_state: null,
          checked_at: null,
        })
        .execute();
  }

  async record(
    name: string,
    outcome: { head: string; status: SyncStatus; applied?: string; errors?: Diagnostic[]; pendingPlan?: unknown },
  ) {
    await this.db
      .updateTable("syncs")
      .set({
        head_commit: outcome.head,
        status: outcome.status,
        errors: outcome.errors && outcome.errors.length > 0 ? JSON.stringify(outcome.errors) : null,
        pending_plan: outcome.pendingPlan === undefined ? null : JSON.stringify(outcome.pendingPlan),
        checked_at: new Date().toISOString(),
        ...(outcome.applied ? { applied_commit: outcome.applied } : {}),
      })
      .where("name", "=", name)
      .execute();
  }

  async appliedState(name: string): Promise<FleetState> {
    const row = await this.db.selectFrom("syncs").select("applied_state").where("name", "=", name).executeTakeFirst();
    return row?.applied_state ? FleetState.parse(JSON.parse(row.applied_state)) : EMPTY_STATE;
  }

  async saveAppliedState(name: string, state: FleetState, commit: string) {
    await this.db
      .updateTable("syncs")
      .set({ applied_state: JSON.stringify(state), applied_commit: commit, pending_plan: null })
      .where("name", "=", name)
      .execute();
  }

  async remove(name: string) {
    await this.db.deleteFrom("syncs").where("name", "=", name).execute();
  }

  async get(name: string): Promise<SyncRow | undefined> {
    const row = await this.db.selectFrom("syncs").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async list(): Promise<SyncRow[]> {
    return (await this.db.selectFrom("syncs").selectAll().orderBy("name").execute()).map(toRow);
  }
}

function toRow(row: Selectable<SyncsTable>): SyncRow {
  return {
    name: row.name,
    repoUrl: row.repo_url,
    branch: row.branch,
    paths: JSON.parse(row.paths) as string[],
    managed: row.managed === 1,
    webhookSecret: row.webhook_secret,
    declaredBy: row.declared_by,
    headCommit: row.head_commit,
    appliedCommit: row.applied_commit,
    status: row.status as SyncStatus,
    errors: row.errors ? (JSON.parse(row.errors) as Diagnostic[]) : [],
    pendingPlan: row.pending_plan ? (JSON.parse(row.pending_plan) as unknown) : null,
    checkedAt: row.checked_at,
  };
}
