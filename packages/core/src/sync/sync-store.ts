// Syncs: which repository, branch and paths; the last commit seen and
// applied; the errors of an invalid commit; a plan held for a manual run.
import { type Diagnostic, EMPTY_STATE, FleetState, LegacyFleetState } from "@tugboat/config";
import type { Selectable } from "kysely";
import type { Db } from "../db/open-database.js";
import type { SyncsTable } from "../db/schema.js";
import type { CoreKey } from "../secrets/core-key.js";

export type SyncStatus = "never" | "ok" | "invalid" | "pending" | "failed";

export interface SyncRow {
  name: string;
  repoUrl: string;
  branch: string;
  paths: string[];
  managed: boolean;
  /** Delete resources the sync no longer declares. */
  delete: boolean;
  declaredBy: string | null;
  headCommit: string | null;
  appliedCommit: string | null;
  status: SyncStatus;
  errors: Diagnostic[];
  pendingPlan: unknown;
  lastError: string | null;
  checkedAt: string | null;
}

export class SyncStore {
  constructor(
    private readonly db: Db,
    private readonly key: CoreKey,
  ) {}

  /** Creates or updates a sync; `webhookSecret` undefined keeps the stored one. */
  async upsert(input: {
    name: string;
    repoUrl: string;
    branch: string;
    paths: string[];
    managed: boolean;
    delete?: boolean;
    webhookSecret?: string;
    declaredBy?: string | null;
  }) {
    const values = {
      // A URL with a user and password in it is a credential: sealed at rest like the webhook secret.
      repo_url: /^[a-z][a-z0-9+.-]*:\/\/[^/@]+@/i.test(input.repoUrl) ? this.key.seal(input.repoUrl) : input.repoUrl,
      branch: input.branch,
      paths: JSON.stringify(input.paths),
      managed: input.managed ? 1 : 0,
      delete_missing: input.delete ? 1 : 0,
      ...(input.webhookSecret === undefined
        ? {}
        : { webhook_secret: input.webhookSecret ? this.key.seal(input.webhookSecret) : "" }),
      declared_by: input.declaredBy ?? null,
    };
    const existing = await this.db.selectFrom("syncs").select("name").where("name", "=", input.name).executeTakeFirst();
    if (existing) await this.db.updateTable("syncs").set(values).where("name", "=", input.name).execute();
    else
      await this.db
        .insertInto("syncs")
        .values({
          name: input.name,
          webhook_secret: "",
          ...values,
          last_error: null,
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

  /** The sync's own webhook secret, or "" when it has none. */
  async webhookSecret(name: string): Promise<string> {
    const row = await this.db.selectFrom("syncs").select("webhook_secret").where("name", "=", name).executeTakeFirst();
    return row?.webhook_secret ? this.key.open(row.webhook_secret) : "";
  }

  async record(
    name: string,
    outcome: {
      head: string | null;
      status: SyncStatus;
      applied?: string;
      errors?: Diagnostic[];
      pendingPlan?: unknown;
      error?: string;
    },
  ) {
    await this.db
      .updateTable("syncs")
      .set({
        ...(outcome.head ? { head_commit: outcome.head } : {}),
        status: outcome.status,
        last_error: outcome.error ?? null,
        errors: outcome.errors && outcome.errors.length > 0 ? JSON.stringify(outcome.errors) : null,
        pending_plan: outcome.pendingPlan === undefined ? null : JSON.stringify(outcome.pendingPlan),
        checked_at: new Date().toISOString(),
        ...(outcome.applied ? { applied_commit: outcome.applied } : {}),
      })
      .where("name", "=", name)
      .execute();
  }

  /** What the sync last applied; an older Tugboat's state comes back as it was written (an older version). */
  async appliedState(name: string): Promise<FleetState | LegacyFleetState> {
    const row = await this.db.selectFrom("syncs").select("applied_state").where("name", "=", name).executeTakeFirst();
    if (!row?.applied_state) return EMPTY_STATE;
    const json = JSON.parse(row.applied_state) as { version?: unknown };
    return json.version === EMPTY_STATE.version ? FleetState.parse(json) : LegacyFleetState.parse(json);
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
    return row ? this.toRow(row) : undefined;
  }

  async list(): Promise<SyncRow[]> {
    return (await this.db.selectFrom("syncs").selectAll().orderBy("name").execute()).map((row) => this.toRow(row));
  }

  private toRow(row: Selectable<SyncsTable>): SyncRow {
    return toRow(row, row.repo_url.startsWith("v1:") ? this.key.open(row.repo_url) : row.repo_url);
  }
}

function toRow(row: Selectable<SyncsTable>, repoUrl: string): SyncRow {
  return {
    name: row.name,
    repoUrl,
    branch: row.branch,
    paths: JSON.parse(row.paths) as string[],
    managed: row.managed === 1,
    delete: row.delete_missing === 1,
    declaredBy: row.declared_by,
    headCommit: row.head_commit,
    appliedCommit: row.applied_commit,
    status: row.status as SyncStatus,
    errors: row.errors ? (JSON.parse(row.errors) as Diagnostic[]) : [],
    pendingPlan: row.pending_plan ? (JSON.parse(row.pending_plan) as unknown) : null,
    lastError: row.last_error,
    checkedAt: row.checked_at,
  };
}
