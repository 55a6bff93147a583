// Servers: address and settings from the sync, reachability from polling,
// and the agent certificate fingerprint pinned on first contact.
import type { Selectable } from "kysely";
import type { Db } from "../db/open-database.js";
import type { ServersTable } from "../db/schema.js";

export interface ServerRow {
  name: string;
  address: string;
  /** inbound: core dials `address`; outbound: the agent dials core. */
  connection: "inbound" | "outbound";
  enabled: boolean;
  region: string;
  tags: string[];
  reachable: boolean;
  lastSeen: string | null;
  lastError: string | null;
  agentVersion: string | null;
  fingerprint: string | null;
  pendingFingerprint: string | null;
  /** The sync that declares it. */
  sync: string;
}

const now = () => new Date().toISOString();

export class ServerStore {
  constructor(private readonly db: Db) {}

  async upsert(input: {
    name: string;
    sync: string;
    address: string;
    connection?: "inbound" | "outbound";
    enabled: boolean;
    region: string;
    tags?: string[];
  }) {
    const values = {
      sync: input.sync,
      address: input.address,
      connection: input.connection ?? "inbound",
      enabled: input.enabled ? 1 : 0,
      region: input.region,
      tags: JSON.stringify(input.tags ?? []),
      updated_at: now(),
    };
    const existing = await this.db
      .selectFrom("servers")
      .select("name")
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (existing) await this.db.updateTable("servers").set(values).where("name", "=", input.name).execute();
    else
      await this.db
        .insertInto("servers")
        .values({
          name: input.name,
          ...values,
          reachable: 0,
          last_seen: null,
          last_error: null,
          agent_version: null,
          fingerprint: null,
          pending_fingerprint: null,
        })
        .execute();
  }

  async remove(name: string) {
    await this.db.deleteFrom("servers").where("name", "=", name).execute();
  }

  async recordContact(name: string, contact: { reachable: boolean; error?: string; agentVersion?: string }) {
    await this.db
      .updateTable("servers")
      .set({
        reachable: contact.reachable ? 1 : 0,
        ...(contact.reachable
          ? { last_seen: now(), last_error: null }
          : { last_error: contact.error ?? "unreachable" }),
        ...(contact.agentVersion ? { agent_version: contact.agentVersion } : {}),
        updated_at: now(),
      })
      .where("name", "=", name)
      .execute();
  }

  /** Trusts a fingerprint (given in TOML, or accepted by an admin). */
  async pin(name: string, fingerprint: string) {
    await this.db
      .updateTable("servers")
      .set({ fingerprint, pending_fingerprint: null, updated_at: now() })
      .where("name", "=", name)
      .execute();
  }

  async recordChangedFingerprint(name: string, fingerprint: string) {
    await this.db
      .updateTable("servers")
      .set({ pending_fingerprint: fingerprint, updated_at: now() })
      .where("name", "=", name)
      .execute();
  }

  async get(name: string): Promise<ServerRow | undefined> {
    const row = await this.db.selectFrom("servers").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async list(): Promise<ServerRow[]> {
    return (await this.db.selectFrom("servers").selectAll().orderBy("name").execute()).map(toRow);
  }
}

function toRow(row: Selectable<ServersTable>): ServerRow {
  return {
    name: row.name,
    address: row.address,
    connection: row.connection === "outbound" ? "outbound" : "inbound",
    enabled: row.enabled === 1,
    region: row.region,
    tags: JSON.parse(row.tags) as string[],
    reachable: row.reachable === 1,
    lastSeen: row.last_seen,
    lastError: row.last_error,
    agentVersion: row.agent_version,
    fingerprint: row.fingerprint,
    pendingFingerprint: row.pending_fingerprint,
    sync: row.sync,
  };
}
