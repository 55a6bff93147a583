// Stacks as core last saw them: desired spec and fingerprint from the sync,
// what was deployed, the state from the agent, and whether it was stopped on purpose.
import type { Selectable } from "kysely";
import type { Db } from "../db/open-database.js";
import type { StacksTable } from "../db/schema.js";

export type StackState = "running" | "deploying" | "unhealthy" | "down" | "stopped" | "unknown";

export interface StackRow {
  name: string;
  server: string;
  sync: string;
  project: string;
  spec: unknown;
  desiredFingerprint: string;
  deployedFingerprint: string | null;
  deployedParts: unknown;
  deployedCommit: string | null;
  /** When the deployed version was deployed. */
  deployedAt: string | null;
  state: StackState;
  stopped: boolean;
  updatedAt: string;
}

const now = () => new Date().toISOString();

export class StackStore {
  constructor(private readonly db: Db) {}

  /** Creates or refreshes a stack's desired spec, keeping what was deployed. */
  async upsertDesired(input: {
    name: string;
    server: string;
    sync: string;
    project: string;
    spec: unknown;
    fingerprint: string;
  }) {
    const existing = await this.db
      .selectFrom("stacks")
      .select("name")
      .where("name", "=", input.name)
      .executeTakeFirst();
    const values = {
      server: input.server,
      sync: input.sync,
      project: input.project,
      spec: JSON.stringify(input.spec),
      desired_fingerprint: input.fingerprint,
      updated_at: now(),
    };
    if (existing) await this.db.updateTable("stacks").set(values).where("name", "=", input.name).execute();
    else
      await this.db
        .insertInto("stacks")
        .values({
          name: input.name,
          ...values,
          deployed_fingerprint: null,
          deployed_parts: null,
          deployed_commit: null,
          deployed_at: null,
          state: "unknown",
          stopped: 0,
        })
        .execute();
  }

  async markDeployed(name: string, deployed: { fingerprint: string; parts: unknown; commit: string | null }) {
    await this.db
      .updateTable("stacks")
      .set({
        deployed_fingerprint: deployed.fingerprint,
        deployed_parts: JSON.stringify(deployed.parts),
        deployed_commit: deployed.commit,
        deployed_at: now(),
        updated_at: now(),
      })
      .where("name", "=", name)
      .execute();
  }

  async setState(name: string, state: StackState) {
    await this.db.updateTable("stacks").set({ state, updated_at: now() }).where("name", "=", name).execute();
  }

  async setStopped(name: string, stopped: boolean) {
    await this.db
      .updateTable("stacks")
      .set({ stopped: stopped ? 1 : 0, updated_at: now() })
      .where("name", "=", name)
      .execute();
  }

  /** Stacks left `deploying` by a core that stopped become `unknown` until the next status poll. */
  async resetDeploying(): Promise<number> {
    const result = await this.db
      .updateTable("stacks")
      .set({ state: "unknown" })
      .where("state", "=", "deploying")
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async remove(name: string) {
    await this.db.deleteFrom("stacks").where("name", "=", name).execute();
  }

  async get(name: string): Promise<StackRow | undefined> {
    const row = await this.db.selectFrom("stacks").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async list(): Promise<StackRow[]> {
    return (await this.db.selectFrom("stacks").selectAll().orderBy("name").execute()).map(toRow);
  }
}

function toRow(row: Selectable<StacksTable>): StackRow {
  return {
    name: row.name,
    server: row.server,
    sync: row.sync,
    project: row.project,
    spec: JSON.parse(row.spec) as unknown,
    desiredFingerprint: row.desired_fingerprint,
    deployedFingerprint: row.deployed_fingerprint,
    deployedParts: row.deployed_parts ? (JSON.parse(row.deployed_parts) as unknown) : null,
    deployedCommit: row.deployed_commit,
    deployedAt: row.deployed_at,
    state: row.state as StackState,
    stopped: row.stopped === 1,
    updatedAt: row.updated_at,
  };
}
