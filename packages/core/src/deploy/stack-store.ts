// Stacks as core last saw them: desired spec and fingerprint from the sync,
// what was deployed (and what its services ran), the state and drift from the
// agent, self-heals, a quarantined fingerprint, and whether it was stopped on purpose.
import { deepFreeze } from "@tugboat/config";
import { DriftReason, Quarantine } from "@tugboat/protocol";
import type { Selectable } from "kysely";
import { z } from "zod";
import type { Db } from "../db/open-database.js";
import type { StacksTable } from "../db/schema.js";
import { DeployedService } from "../reconcile/drift.js";

export type StackState = "running" | "deploying" | "unhealthy" | "down" | "stopped" | "unknown";

/** A stack as the dashboard counts it. */
export interface StackSummary {
  name: string;
  server: string;
  /** From its spec: what permissions need (Access.filterRefs). */
  tags: readonly string[];
  state: StackState;
  drifted: boolean;
  rolledBack: boolean;
  held: boolean;
}

/** How many of a server's stacks are in a state, and how many of those drifted, rolled back, are held. */
export interface StackCount {
  server: string;
  state: StackState;
  stacks: number;
  drifted: number;
  rolledBack: number;
  held: number;
}

export interface StackRow {
  name: string;
  server: string;
  sync: string;
  project: string;
  spec: unknown;
  desiredFingerprint: string;
  deployedFingerprint: string | null;
  deployedCommit: string | null;
  /** When the deployed version was deployed. */
  deployedAt: string | null;
  state: StackState;
  stopped: boolean;
  updatedAt: string;
  /** What each service ran when the deployed version was deployed; null before any (or from an older core). */
  deployedServices: DeployedService[] | null;
  /** Null when what runs is what was deployed. */
  drift: DriftReason[] | null;
  /** When self-heals ran (ms since the epoch). */
  heals: number[];
  /** Why self-heal waits for a person, or null. */
  healHold: string | null;
  quarantine: Quarantine | null;
}

const now = () => new Date().toISOString();

/** Every column a StackRow is made of (not the deployed version's parts: StackStore.deployedParts). */
const ROW_COLUMNS = [
  "name",
  "server",
  "sync",
  "project",
  "spec",
  "desired_fingerprint",
  "deployed_fingerprint",
  "deployed_commit",
  "deployed_at",
  "state",
  "stopped",
  "updated_at",
  "deployed_services",
  "drift",
  "heals",
  "heal_hold",
  "quarantine",
] as const;

export class StackStore {
  /**
   * Each stack's spec and deployed services as last parsed, by their text: a
   * status round reads every stack's row each time, and parsing them again was
   * most of what it allocated. What is handed out is frozen (shared by reads).
   */
  private readonly parsedColumns = new Map<string, { spec: Parsed; services: Parsed }>();
  /**
   * Each server's stacks as last read (frozen rows), until one of them is
   * written: a status round reads every server's each time, and in a quiet
   * round nothing changed. Core is the stacks' only writer, through this
   * store. `generation` moves when a write starts and when it ends: a read
   * that overlapped a write is handed out but not kept.
   */
  private readonly onServer = new Map<string, readonly StackRow[]>();
  private readonly serverOf = new Map<string, string>();
  private generation = 0;

  constructor(private readonly db: Db) {}

  /** Runs a write of the named stacks (all: every stack), forgetting the lists they are in, before and after. */
  private async writing<T>(names: readonly string[] | "all", write: () => Promise<T>): Promise<T> {
    this.forget(names);
    try {
      return await write();
    } finally {
      this.forget(names);
    }
  }

  private forget(names: readonly string[] | "all") {
    this.generation += 1;
    if (names === "all") return this.onServer.clear();
    for (const name of names) {
      const server = this.serverOf.get(name);
      if (server === undefined) this.onServer.clear();
      else this.onServer.delete(server);
    }
  }

  /** Creates or refreshes a stack's desired spec, keeping what was deployed. */
  async upsertDesired(input: {
    name: string;
    server: string;
    sync: string;
    project: string;
    spec: unknown;
    fingerprint: string;
  }) {
    const spec = JSON.stringify(input.spec);
    const existing = await this.db
      .selectFrom("stacks")
      .select(["server", "sync", "project", "spec", "desired_fingerprint"])
      .where("name", "=", input.name)
      .executeTakeFirst();
    // A sync declares every stack each time: one it did not change keeps its row as it is.
    if (
      existing?.server === input.server &&
      existing.sync === input.sync &&
      existing.project === input.project &&
      existing.spec === spec &&
      existing.desired_fingerprint === input.fingerprint
    )
      return;
    // A stack that moves leaves its old server's list and joins the new one's.
    this.onServer.delete(input.server);
    await this.writing([input.name], () => this.write(input, spec, existing !== undefined));
    this.onServer.delete(input.server);
  }

  private async write(input: Parameters<StackStore["upsertDesired"]>[0], spec: string, exists: boolean) {
    const values = {
      server: input.server,
      sync: input.sync,
      project: input.project,
      spec,
      desired_fingerprint: input.fingerprint,
      updated_at: now(),
    };
    if (exists) await this.db.updateTable("stacks").set(values).where("name", "=", input.name).execute();
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
          deployed_services: null,
          drift: null,
          heals: "[]",
          heal_hold: null,
          quarantine: null,
        })
        .execute();
  }

  /** A deploy succeeded: it is the new baseline, nothing is drifted or quarantined any more. */
  async markDeployed(
    name: string,
    deployed: { fingerprint: string; parts: unknown; commit: string | null; services: DeployedService[] },
  ) {
    await this.set(name, {
      deployed_fingerprint: deployed.fingerprint,
      deployed_parts: JSON.stringify(deployed.parts),
      deployed_commit: deployed.commit,
      deployed_at: now(),
      deployed_services: JSON.stringify(deployed.services),
      drift: null,
      quarantine: null,
    });
  }

  /** A heal brought the deployed version back: its containers are the baseline now. */
  async setDeployedServices(name: string, services: DeployedService[]) {
    await this.set(name, { deployed_services: JSON.stringify(services), drift: null });
  }

  async setDrift(name: string, drift: DriftReason[] | null) {
    await this.set(name, { drift: drift && drift.length > 0 ? JSON.stringify(drift) : null });
  }

  async setHeals(name: string, heals: number[], hold: string | null) {
    await this.set(name, { heals: JSON.stringify(heals), heal_hold: hold });
  }

  async setQuarantine(name: string, quarantine: Quarantine | null) {
    await this.set(name, { quarantine: quarantine ? JSON.stringify(quarantine) : null });
  }

  private async set(name: string, values: Partial<Omit<StacksTable, "name">>) {
    await this.writing([name], () =>
      this.db
        .updateTable("stacks")
        .set({ ...values, updated_at: now() })
        .where("name", "=", name)
        .execute(),
    );
  }

  async setState(name: string, state: StackState) {
    await this.set(name, { state });
  }

  async setStopped(name: string, stopped: boolean) {
    await this.set(name, { stopped: stopped ? 1 : 0 });
  }

  /** Stacks left `deploying` by a core that stopped become `unknown` until the next status poll. */
  async resetDeploying(): Promise<number> {
    const result = await this.writing("all", () =>
      this.db.updateTable("stacks").set({ state: "unknown" }).where("state", "=", "deploying").executeTakeFirst(),
    );
    return Number(result.numUpdatedRows);
  }

  async remove(name: string) {
    await this.writing([name], () => this.db.deleteFrom("stacks").where("name", "=", name).execute());
    this.parsedColumns.delete(name);
    this.serverOf.delete(name);
  }

  async get(name: string): Promise<StackRow | undefined> {
    const row = await this.db.selectFrom("stacks").select(ROW_COLUMNS).where("name", "=", name).executeTakeFirst();
    return row ? this.toRow(row) : undefined;
  }

  /** The stacks on one server (by its index: a status round reads each server's on their own). */
  async listOn(server: string): Promise<StackRow[]> {
    const kept = this.onServer.get(server);
    if (kept) return [...kept];
    const generation = this.generation;
    const rows = await this.db
      .selectFrom("stacks")
      .select(ROW_COLUMNS)
      .where("server", "=", server)
      .orderBy("name")
      .execute();
    const stacks = rows.map((row) => Object.freeze(this.toRow(row)));
    if (generation === this.generation) {
      for (const stack of stacks) this.serverOf.set(stack.name, stack.server);
      this.onServer.set(server, stacks);
    }
    return [...stacks];
  }

  /** What the dashboard counts of every stack, without reading baselines (specs for their tags, parsed once). */
  async summaries(): Promise<StackSummary[]> {
    const rows = await this.db
      .selectFrom("stacks")
      .select(["name", "server", "spec", "state", "drift", "quarantine", "heal_hold"])
      .orderBy("name")
      .execute();
    return rows.map((row) => ({
      name: row.name,
      server: row.server,
      tags: specTags(this.specOf(row.name, row.spec)),
      state: row.state as StackState,
      drifted: row.drift !== null,
      rolledBack: row.quarantine !== null,
      held: row.heal_hold !== null,
    }));
  }

  /** The same counted by the database, per server and state: a row per pair, not per stack. */
  async counts(): Promise<StackCount[]> {
    const rows = await this.db
      .selectFrom("stacks")
      .select((eb) => [
        "server",
        "state",
        eb.fn.countAll().as("stacks"),
        eb.fn.count("drift").as("drifted"),
        eb.fn.count("quarantine").as("rolledBack"),
        eb.fn.count("heal_hold").as("held"),
      ])
      .groupBy(["server", "state"])
      .orderBy("server")
      .orderBy("state")
      .execute();
    // PostgreSQL counts in bigint, which its driver hands over as text.
    return rows.map((row) => ({
      server: row.server,
      state: row.state as StackState,
      stacks: Number(row.stacks),
      drifted: Number(row.drifted),
      rolledBack: Number(row.rolledBack),
      held: Number(row.held),
    }));
  }

  async list(): Promise<StackRow[]> {
    return (await this.db.selectFrom("stacks").select(ROW_COLUMNS).orderBy("name").execute()).map((row) =>
      this.toRow(row),
    );
  }

  /** A stack's JSON columns as last parsed, by its name. */
  private kept(name: string): { spec: Parsed; services: Parsed } {
    let kept = this.parsedColumns.get(name);
    if (!kept) {
      kept = { spec: { text: null, value: null }, services: { text: null, value: null } };
      this.parsedColumns.set(name, kept);
    }
    return kept;
  }

  private specOf(name: string, text: string | null): unknown {
    return reparsed(this.kept(name).spec, text, (json) => JSON.parse(json) as unknown);
  }

  /**
   * The fingerprint parts of the stack's deployed version (what a deploy
   * compares to know which services to recreate), or null. Read on their own:
   * kept in every row a status round holds, they were 10 MB of core's heap at
   * 5,000 stacks, and only a deploy reads them.
   */
  async deployedParts(name: string): Promise<unknown> {
    const row = await this.db.selectFrom("stacks").select("deployed_parts").where("name", "=", name).executeTakeFirst();
    return row?.deployed_parts ? (JSON.parse(row.deployed_parts) as unknown) : null;
  }

  private toRow(row: Selectable<Omit<StacksTable, "deployed_parts">>): StackRow {
    const kept = this.kept(row.name);
    return {
      name: row.name,
      server: row.server,
      sync: row.sync,
      project: row.project,
      spec: this.specOf(row.name, row.spec),
      desiredFingerprint: row.desired_fingerprint,
      deployedFingerprint: row.deployed_fingerprint,
      deployedCommit: row.deployed_commit,
      deployedAt: row.deployed_at,
      state: row.state as StackState,
      stopped: row.stopped === 1,
      updatedAt: row.updated_at,
      deployedServices: reparsed(kept.services, row.deployed_services, (text) => parsed(DeployedServices, text)),
      drift: parsed(DriftReasons, row.drift),
      heals: parsed(Heals, row.heals) ?? [],
      healHold: row.heal_hold,
      quarantine: parsed(Quarantine, row.quarantine),
    };
  }
}

/** A stack's tags, from its spec (what permissions match on). */
export function specTags(spec: unknown): readonly string[] {
  return (spec as { tags?: string[] } | null)?.tags ?? [];
}

/** A JSON column as last parsed from its text. */
interface Parsed {
  text: string | null;
  value: unknown;
}

/** The column's value: the kept one when its text is the same, else parsed now (and frozen) and kept. */
function reparsed<T>(kept: Parsed, text: string | null, parse: (text: string) => T): T | null {
  if (text === null) return null;
  if (kept.text !== text) {
    kept.value = deepFreeze(parse(text));
    kept.text = text;
  }
  return kept.value as T;
}

// Made once: a zod schema is costly to build, and every row read parses these columns.
const DeployedServices = z.array(DeployedService);
const DriftReasons = z.array(DriftReason);
const Heals = z.array(z.number());

/** A JSON column; what does not parse (written by another version) counts as unset. */
function parsed<T>(schema: z.ZodType<T>, text: string | null): T | null {
  if (text === null) return null;
  try {
    return schema.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}
