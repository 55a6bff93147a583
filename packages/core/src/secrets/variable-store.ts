// Variables and secrets core holds for `[[NAME]]`s the repository only
// names (Komodo keeps them in its database, set in the UI). Values are sealed
// with core's key at rest; a secret's value never leaves core except to the
// agent that deploys it, and it is masked in everything core reports.
import type { Db } from "../db/open-database.js";
import type { CoreKey } from "./core-key.js";

export interface HeldVariable {
  name: string;
  secret: boolean;
  description: string;
  /** Empty for a secret. */
  value: string;
  updatedAt: string;
}

export interface HeldValues {
  /** Plain variables, by name. */
  variables: Record<string, string>;
  /** Secrets, by name. */
  secrets: Record<string, string>;
}

export class VariableStore {
  constructor(
    private readonly db: Db,
    private readonly key: CoreKey,
  ) {}

  async list(): Promise<HeldVariable[]> {
    const rows = await this.db.selectFrom("variables").selectAll().orderBy("name").execute();
    return rows.map((row) => ({
      name: row.name,
      secret: row.secret === 1,
      description: row.description,
      value: row.secret === 1 ? "" : this.key.open(row.value),
      updatedAt: row.updated_at,
    }));
  }

  /** Every value, opened: for reading repositories and masking. */
  async values(): Promise<HeldValues> {
    const rows = await this.db.selectFrom("variables").selectAll().execute();
    const held: HeldValues = { variables: {}, secrets: {} };
    for (const row of rows) held[row.secret === 1 ? "secrets" : "variables"][row.name] = this.key.open(row.value);
    return held;
  }

  async set(input: { name: string; value: string; secret: boolean; description: string }): Promise<void> {
    const row = {
      name: input.name,
      value: this.key.seal(input.value),
      secret: input.secret ? 1 : 0,
      description: input.description,
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto("variables")
      .values(row)
      .onConflict((oc) => oc.column("name").doUpdateSet(row))
      .execute();
  }

  /** False when there was no such variable. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom("variables").where("name", "=", name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
