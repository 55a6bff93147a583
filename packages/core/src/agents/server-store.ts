// Servers: address and settings from the sync, reachability from polling,
// and the agent certificate fingerprint pinned on first contact. Core is the
// only writer (a restore needs it stopped): rows are kept in memory as they
// are written, since a status round reads each server's row several times.
import { type Selectable, sql } from "kysely";
import type { Db } from "../db/open-database.js";
import type { ServersTable } from "../db/schema.js";

/** Shared with every reader (kept in memory): frozen. */
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

/**
 * A contact that changes nothing but the time (reachable as before, the same
 * error or version) is written this often at most; the time itself is read
 * from memory.
 */
export const CONTACT_WRITE_MS = 60_000;

/**
 * Such times, once due, are gathered this long and stored in one statement:
 * on PostgreSQL a statement per server was a round trip each, 500 a minute
 * at 500 servers. After a crash, a stored time is behind by at most both
 * periods and a status interval.
 */
export const CONTACT_BATCH_MS = 15_000;

export class ServerStore {
  private rows: Promise<Map<string, ServerRow>> | undefined;
  /** When each server's contact was last written. */
  private readonly contactWritten = new Map<string, number>();
  /** Last-seen times due to be stored (server → time), and since when the first of them waits. */
  private readonly seenDue = new Map<string, string>();
  private seenDueSince: number | undefined;

  constructor(private readonly db: Db) {}

  private all(): Promise<Map<string, ServerRow>> {
    this.rows ??= this.db
      .selectFrom("servers")
      .selectAll()
      .orderBy("name")
      .execute()
      .then((rows) => new Map(rows.map((row) => [row.name, toRow(row)])));
    // A failed read is not kept: the next call reads again.
    this.rows.catch(() => {
      this.rows = undefined;
    });
    return this.rows;
  }

  /** The row as the database now has it, kept (or forgotten, when it is gone). */
  private async reread(name: string): Promise<void> {
    const rows = await this.all();
    const row = await this.db.selectFrom("servers").selectAll().where("name", "=", name).executeTakeFirst();
    if (row) rows.set(name, toRow(row));
    else rows.delete(name);
  }

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
    await this.reread(input.name);
  }

  async remove(name: string) {
    await this.db.deleteFrom("servers").where("name", "=", name).execute();
    this.contactWritten.delete(name);
    this.seenDue.delete(name);
    await this.reread(name);
  }

  async recordContact(name: string, contact: { reachable: boolean; error?: string; agentVersion?: string }) {
    const rows = await this.all();
    const row = rows.get(name);
    if (!row) return;
    const at = now();
    const next: ServerRow = Object.freeze({
      ...row,
      reachable: contact.reachable,
      lastSeen: contact.reachable ? at : row.lastSeen,
      lastError: contact.reachable ? null : (contact.error ?? "unreachable"),
      agentVersion: contact.agentVersion ?? row.agentVersion,
    });
    rows.set(name, next);
    const same =
      next.reachable === row.reachable && next.lastError === row.lastError && next.agentVersion === row.agentVersion;
    const written = this.contactWritten.get(name);
    if (same && written !== undefined) {
      if (Date.now() - written >= CONTACT_WRITE_MS && next.lastSeen !== null) {
        this.seenDue.set(name, next.lastSeen);
        this.seenDueSince ??= Date.now();
      }
      if (this.seenDueSince !== undefined && Date.now() - this.seenDueSince >= CONTACT_BATCH_MS) await this.storeSeen();
      return;
    }
    this.contactWritten.set(name, Date.now());
    this.seenDue.delete(name);
    await this.db
      .updateTable("servers")
      .set({
        reachable: next.reachable ? 1 : 0,
        last_seen: next.lastSeen,
        last_error: next.lastError,
        agent_version: next.agentVersion,
        updated_at: at,
      })
      .where("name", "=", name)
      .execute();
  }

  /** Stores the last-seen times that are due, in one statement per 500 servers. */
  private async storeSeen() {
    const due = [...this.seenDue];
    this.seenDue.clear();
    this.seenDueSince = undefined;
    const writtenAt = Date.now();
    for (const [name] of due) this.contactWritten.set(name, writtenAt);
    for (let i = 0; i < due.length; i += 500) {
      const chunk = due.slice(i, i + 500);
      const seen = sql.join(
        chunk.map(([name, at]) => sql`when ${name} then ${at}`),
        sql` `,
      );
      await this.db
        .updateTable("servers")
        .set({ last_seen: sql<string>`case name ${seen} end`, updated_at: now() })
        .where(
          "name",
          "in",
          chunk.map(([name]) => name),
        )
        .execute();
    }
  }

  /** Trusts a fingerprint (given in TOML, or accepted by an admin). */
  async pin(name: string, fingerprint: string) {
    await this.db
      .updateTable("servers")
      .set({ fingerprint, pending_fingerprint: null, updated_at: now() })
      .where("name", "=", name)
      .execute();
    await this.reread(name);
  }

  async recordChangedFingerprint(name: string, fingerprint: string) {
    await this.db
      .updateTable("servers")
      .set({ pending_fingerprint: fingerprint, updated_at: now() })
      .where("name", "=", name)
      .execute();
    await this.reread(name);
  }

  async get(name: string): Promise<ServerRow | undefined> {
    return (await this.all()).get(name);
  }

  async list(): Promise<ServerRow[]> {
    return [...(await this.all()).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function toRow(row: Selectable<ServersTable>): ServerRow {
  return Object.freeze({
    name: row.name,
    address: row.address,
    connection: row.connection === "outbound" ? "outbound" : "inbound",
    enabled: row.enabled === 1,
    region: row.region,
    tags: Object.freeze(JSON.parse(row.tags)) as string[],
    reachable: row.reachable === 1,
    lastSeen: row.last_seen,
    lastError: row.last_error,
    agentVersion: row.agent_version,
    fingerprint: row.fingerprint,
    pendingFingerprint: row.pending_fingerprint,
    sync: row.sync,
  });
}
