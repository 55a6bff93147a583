// Variables and secrets core holds for `[[NAME]]`s the repository only
// names (Komodo keeps them in its database, set in the UI). Values are sealed
// with core's key at rest; a secret's value never leaves core except to the
// agent that deploys it, and it is masked in everything core reports.
import type { Db } from "../db/open-database.js";
import type { CoreKey } from "./core-key.js";
import type { SecretMasker } from "./masker.js";

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
  /** Every secret value held since start: one changed or removed may still be in a running container's logs. */
  private readonly masked = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly key: CoreKey,
    private readonly masker: SecretMasker,
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

  /** Every value, opened, for reading repositories; the secrets among them are masked from now on. */
  async values(): Promise<HeldValues> {
    const rows = await this.db.selectFrom("variables").selectAll().execute();
    const held: HeldValues = { variables: {}, secrets: {} };
    for (const row of rows) held[row.secret === 1 ? "secrets" : "variables"][row.name] = this.key.open(row.value);
    const before = this.masked.size;
    for (const value of Object.values(held.secrets)) this.masked.add(value);
    if (this.masked.size !== before) this.masker.set("variables", [...this.masked]);
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
    if (input.secret && input.value !== "") {
      this.masked.add(input.value);
      this.masker.set("variables", [...this.masked]);
    }
  }

  /** False when there was no such variable. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom("variables").where("name", "=", name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
