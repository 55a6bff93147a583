// One contract suite for the state layer, run against SQLite and PostgreSQL.
import { setTimeout as delay } from "node:timers/promises";
import {
  CompiledQuery,
  createQueryId,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type RootOperationNode,
  sql,
} from "kysely";
import { describe, expect, it, vi } from "vitest";
import { CONTACT_BATCH_MS, CONTACT_WRITE_MS, ServerStore } from "../src/agents/server-store.js";
import { AlertStore } from "../src/alerts/alert-store.js";
import type { Db } from "../src/db/open-database.js";
import { StackStore } from "../src/deploy/stack-store.js";
import { type ImageCheckRow, ImageStore } from "../src/images/image-store.js";
import { CoreKey } from "../src/secrets/core-key.js";
import { SecretMasker } from "../src/secrets/masker.js";
import { SyncStore } from "../src/sync/sync-store.js";
import { UpdateStore } from "../src/updates/update-store.js";
import { backends } from "./backends.js";

/** Holds the results of reads of the stacks table while closed: a read that is slow to come back. */
const gate = {
  closed: undefined as Promise<void> | undefined,
  transformQuery: (args: PluginTransformQueryArgs) => args.node,
  async transformResult(args: PluginTransformResultArgs) {
    if (args.result.rows.length > 0 && "state" in (args.result.rows[0] as object)) await gate.closed;
    return args.result;
  },
};

/**
 * A read of a server's stacks that overlaps a write may see either state but
 * is not kept: the read after both sees the write. Two overlaps: the read's
 * answer is late (the write began before it came back), and, on PostgreSQL,
 * the write is held by a row lock while the read runs on another connection.
 */
async function overlapped(stacks: StackStore, db: Db, rowLocks: boolean) {
  const states = async () => (await stacks.listOn("apollo")).map((s) => s.state);
  let open: () => void = () => {};
  gate.closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  await stacks.setStopped("a", false); // nothing kept: the read goes to the database
  const late = stacks.listOn("apollo");
  await delay(50); // the read has run and waits at the gate
  const write = stacks.setState("a", "down");
  // PostgreSQL: the write ends, on another connection, before the read's answer is in.
  if (rowLocks) await write;
  open();
  gate.closed = undefined;
  await Promise.all([late, write]);
  expect(await states()).toEqual(["down"]);
  if (!rowLocks) return; // SQLite: one connection, no row locks
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked: () => void = () => {};
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = db.transaction().execute(async (trx) => {
    await trx.selectFrom("stacks").select("name").where("name", "=", "a").forUpdate().execute();
    locked();
    await released;
  });
  await lockTaken;
  const held = stacks.setState("a", "running"); // waits for the lock
  await delay(50);
  expect(await states()).toEqual(["down"]); // read while the write waits
  release();
  await Promise.all([holder, held]);
  expect(await states()).toEqual(["running"]);
}

describe.each(backends)("state layer on $name", ({ name, skip, open }) => {
  it.skipIf(name !== "sqlite")("keeps SQLite in WAL mode, synced at checkpoints (not at every commit)", async () => {
    const db = await open();
    expect((await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db)).rows).toEqual([
      { journal_mode: "wal" },
    ]);
    // 1 is NORMAL (2 is FULL, SQLite's default).
    expect((await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows).toEqual([{ synchronous: 1 }]);
  });

  it.skipIf(name !== "sqlite")(
    "serves thousands of waiting queries one at a time, in the order they asked, transactions whole",
    async () => {
      const db = await open();
      await sql`create table asked (n real)`.execute(db);
      const insert = (n: number) => sql`insert into asked (n) values (${n})`;
      const asked = Array.from({ length: 3_000 }, (_, n) =>
        n % 10 === 0
          ? db.transaction().execute(async (trx) => {
              await insert(n).execute(trx);
              // Two statements of one transaction: nothing else runs between them.
              await insert(n + 0.5).execute(trx);
            })
          : insert(n).execute(db),
      );
      await Promise.all(asked);
      const stored = await sql<{ n: number }>`select n from asked order by rowid`.execute(db);
      const expected = Array.from({ length: 3_000 }, (_, n) => (n % 10 === 0 ? [n, n + 0.5] : [n])).flat();
      expect(stored.rows.map((r) => r.n)).toEqual(expected);
    },
  );

  it.skipIf(name !== "sqlite")(
    "answers the dashboard's counts and latest updates from indexes, without reading or sorting whole tables",
    async () => {
      const db = await open();
      const asked: RootOperationNode[] = [];
      const spy = db.withPlugin({
        transformQuery: (args) => {
          asked.push(args.node);
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      await new StackStore(spy).counts();
      await new UpdateStore(spy).list({ limit: 10 });
      const plans = [];
      for (const node of asked) {
        const query = db.getExecutor().compileQuery(node, createQueryId());
        const plan = await db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
        );
        plans.push(plan.rows.map((row) => row.detail).join("; "));
      }
      expect(plans).toEqual([
        "SCAN stacks USING INDEX stacks_server_state",
        "SCAN updates USING INDEX updates_created",
      ]);
    },
  );

  it.skipIf(skip !== undefined)("keeps stacks' desired and deployed versions, state and stopped flag", async () => {
    const stacks = new StackStore(await open());
    await stacks.upsertDesired({
      name: "web",
      server: "hercules",
      sync: "root",
      project: "web",
      spec: { a: 1 },
      fingerprint: "f1",
    });
    await stacks.setQuarantine("web", { fingerprint: "f0", commit: "c0", reason: "app: unhealthy", at: "now" });
    const deployed = [{ service: "app", configHash: "h1", imageDigest: "sha256:1", oneShot: false }];
    await stacks.markDeployed("web", {
      fingerprint: "f1",
      parts: { server: "hercules" },
      commit: "c1",
      services: deployed,
    });
    await stacks.setDrift("web", [{ kind: "missing", service: "app", message: "app: its container is missing" }]);
    await stacks.setHeals("web", [1, 2], "flapping");
    await stacks.upsertDesired({
      name: "web",
      server: "apollo",
      sync: "root",
      project: "web",
      spec: { a: 2 },
      fingerprint: "f2",
    });
    await stacks.setState("web", "deploying");
    await stacks.setStopped("web", true);
    expect(await stacks.get("web")).toMatchObject({
      server: "apollo",
      spec: { a: 2 },
      desiredFingerprint: "f2",
      deployedFingerprint: "f1",
      deployedCommit: "c1",
      deployedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      state: "deploying",
      stopped: true,
      deployedServices: deployed,
      drift: [{ kind: "missing", service: "app", message: "app: its container is missing" }],
      heals: [1, 2],
      healHold: "flapping",
      // A deploy that succeeds ends the quarantine.
      quarantine: null,
    });
    // The deployed version's parts are read on their own (a deploy compares them), not with every row.
    expect(await stacks.deployedParts("web")).toEqual({ server: "hercules" });
    expect(await stacks.get("web")).not.toHaveProperty("deployedParts");
    expect(await stacks.listOn("apollo")).toEqual([await stacks.get("web")]);
    await stacks.setDrift("web", []);
    expect((await stacks.get("web"))?.drift).toBeNull();
    expect(await stacks.resetDeploying()).toBe(1);
    expect((await stacks.get("web"))?.state).toBe("unknown");
    await stacks.remove("web");
    expect(await stacks.list()).toEqual([]);
  });

  it.skipIf(skip !== undefined)(
    "reads one server's stacks, and every stack's counted state with the tags permissions need",
    async () => {
      const stacks = new StackStore(await open());
      for (const [name, server] of [
        ["b", "apollo"],
        ["a", "apollo"],
        ["c", "hermes"],
      ] as const)
        await stacks.upsertDesired({
          name,
          server,
          sync: "root",
          project: name,
          spec: name === "a" ? { big: "x", tags: ["media"] } : { big: "x" },
          fingerprint: "f",
        });
      await stacks.setDrift("a", [{ kind: "missing", service: "app", message: "app: its container is missing" }]);
      await stacks.setHeals("b", [1], "flapping");
      await stacks.setQuarantine("c", { fingerprint: "f", commit: "c0", reason: "app: unhealthy", at: "now" });
      await stacks.setState("c", "running");
      expect((await stacks.listOn("apollo")).map((s) => [s.name, s.spec])).toEqual([
        ["a", { big: "x", tags: ["media"] }],
        ["b", { big: "x" }],
      ]);
      expect(await stacks.listOn("nobody")).toEqual([]);
      expect(await stacks.summaries()).toEqual([
        {
          name: "a",
          server: "apollo",
          tags: ["media"],
          state: "unknown",
          drifted: true,
          rolledBack: false,
          held: false,
        },
        { name: "b", server: "apollo", tags: [], state: "unknown", drifted: false, rolledBack: false, held: true },
        { name: "c", server: "hermes", tags: [], state: "running", drifted: false, rolledBack: true, held: false },
      ]);
      expect(await stacks.counts()).toEqual([
        { server: "apollo", state: "unknown", stacks: 2, drifted: 1, rolledBack: 0, held: 1 },
        { server: "hermes", state: "running", stacks: 1, drifted: 0, rolledBack: 1, held: 0 },
      ]);
    },
  );

  it.skipIf(skip !== undefined)("writes a stack's desired row only when the sync changed it", async () => {
    const db = await open();
    const stacks = new StackStore(db);
    const desired = { name: "web", server: "apollo", sync: "root", project: "web", spec: { a: 1 }, fingerprint: "f1" };
    await stacks.upsertDesired(desired);
    const stamp = "2000-01-01T00:00:00.000Z";
    await db.updateTable("stacks").set({ updated_at: stamp }).execute();
    await stacks.upsertDesired({ ...desired, spec: { a: 1 } });
    expect((await stacks.get("web"))?.updatedAt).toBe(stamp);
    for (const change of [{ spec: { a: 2 } }, { fingerprint: "f2" }, { server: "hermes" }, { project: "web2" }]) {
      await db.updateTable("stacks").set({ updated_at: stamp }).execute();
      await stacks.upsertDesired({ ...desired, ...change });
      const row = await stacks.get("web");
      expect(row?.updatedAt).not.toBe(stamp);
      expect(row).toMatchObject(
        "spec" in change ? { spec: change.spec } : "fingerprint" in change ? { desiredFingerprint: "f2" } : change,
      );
    }
  });

  it.skipIf(skip !== undefined)(
    "parses a stack's spec once while it is unchanged, and never hands out a stale one",
    async () => {
      const db = await open();
      const stacks = new StackStore(db);
      const desired = { name: "web", server: "apollo", sync: "root", project: "web", fingerprint: "f" };
      await stacks.upsertDesired({ ...desired, spec: { tags: ["a"] } });
      const first = await stacks.get("web");
      const again = (await stacks.listOn("apollo"))[0];
      expect(again?.spec).toBe(first?.spec);
      // Shared between reads, so nobody may change it.
      expect(Object.isFrozen(first?.spec)).toBe(true);
      const tags = (first?.spec as { tags?: string[] } | undefined)?.tags;
      expect(tags).toEqual(["a"]);
      expect(Object.isFrozen(tags)).toBe(true);
      // Changed right after (within the same millisecond, or by another store): read anew.
      await stacks.upsertDesired({ ...desired, spec: { tags: ["b"] } });
      expect((await stacks.get("web"))?.spec).toEqual({ tags: ["b"] });
      await new StackStore(db).upsertDesired({ ...desired, spec: { tags: ["c"] } });
      expect((await stacks.list())[0]?.spec).toEqual({ tags: ["c"] });
    },
  );

  it.skipIf(skip !== undefined)(
    "hands out a server's stacks as kept while unchanged, and anew after any write, a move or a write that overlapped the read",
    async () => {
      const db = await open();
      const stacks = new StackStore(db.withPlugin(gate));
      const desired = { sync: "root", spec: {}, fingerprint: "f" };
      await stacks.upsertDesired({ ...desired, name: "a", server: "apollo", project: "a" });
      await stacks.upsertDesired({ ...desired, name: "b", server: "apollo", project: "b" });
      const first = await stacks.listOn("apollo");
      expect((await stacks.listOn("apollo"))[0]).toBe(first[0]); // kept
      expect(Object.isFrozen(first[0])).toBe(true);
      const states = async (server: string) => (await stacks.listOn(server)).map((s) => `${s.name}:${s.state}`);

      await stacks.setState("a", "running");
      expect(await states("apollo")).toEqual(["a:running", "b:unknown"]);
      await stacks.markDeployed("b", { fingerprint: "f", parts: {}, commit: "c1", services: [] });
      expect((await stacks.listOn("apollo"))[1]?.deployedCommit).toBe("c1");
      await stacks.setState("b", "deploying");
      await stacks.resetDeploying();
      expect(await states("apollo")).toEqual(["a:running", "b:unknown"]);

      // A move: gone from the old server's list, in the new one's (read before, so kept).
      expect(await states("hermes")).toEqual([]);
      await stacks.upsertDesired({ ...desired, name: "b", server: "hermes", project: "b" });
      expect(await states("apollo")).toEqual(["a:running"]);
      expect(await states("hermes")).toEqual(["b:unknown"]);
      await stacks.remove("b");
      expect(await states("hermes")).toEqual([]);

      await overlapped(stacks, db, name !== "sqlite");
    },
  );

  it.skipIf(skip !== undefined)("pins server fingerprints and records reachability", async () => {
    const servers = new ServerStore(await open());
    await servers.upsert({
      name: "hercules",
      sync: "root",
      address: "https://10.2.0.70:8120",
      enabled: true,
      region: "Amethyst",
      tags: ["nas"],
    });
    await servers.pin("hercules", "AA:BB");
    await servers.recordChangedFingerprint("hercules", "CC:DD");
    await servers.recordContact("hercules", { reachable: false, error: "connection refused" });
    expect(await servers.get("hercules")).toMatchObject({
      sync: "root",
      tags: ["nas"],
      enabled: true,
      fingerprint: "AA:BB",
      pendingFingerprint: "CC:DD",
      reachable: false,
      lastError: "connection refused",
    });
    await servers.recordContact("hercules", { reachable: true, agentVersion: "0.1.0" });
    expect(await servers.get("hercules")).toMatchObject({ reachable: true, lastError: null, agentVersion: "0.1.0" });
  });

  it.skipIf(skip !== undefined)(
    "keeps servers in memory as written; a contact that changes only the time is stored once a minute",
    async () => {
      const db = await open();
      const servers = new ServerStore(db);
      const stored = async () =>
        db
          .selectFrom("servers")
          .select(["reachable", "last_seen", "last_error"])
          .where("name", "=", "atlas")
          .executeTakeFirst();
      await servers.upsert({ name: "atlas", sync: "root", address: "https://a:8120", enabled: true, region: "" });
      await servers.recordContact("atlas", { reachable: true, agentVersion: "0.1.0" });
      const first = await stored();
      expect(first).toMatchObject({ reachable: 1, last_error: null });
      await new Promise((resolve) => setTimeout(resolve, 5));
      // Nothing but the time changed: read fresh from memory, not written again.
      await servers.recordContact("atlas", { reachable: true, agentVersion: "0.1.0" });
      expect((await servers.get("atlas"))?.lastSeen).not.toBe(first?.last_seen);
      expect((await stored())?.last_seen).toBe(first?.last_seen);
      // A change is written at once.
      await servers.recordContact("atlas", { reachable: false, error: "connection refused" });
      expect(await stored()).toMatchObject({ reachable: 0, last_error: "connection refused" });
      // Rows are shared: frozen, so no reader can change another's.
      const row = await servers.get("atlas");
      expect(() => {
        (row as { enabled: boolean }).enabled = false;
      }).toThrow(TypeError);
      expect((await servers.list()).map((s) => s.name)).toEqual(["atlas"]);
      await servers.remove("atlas");
      expect(await servers.get("atlas")).toBeUndefined();
    },
  );

  it.skipIf(skip !== undefined)(
    "stores the last-seen times that are due together, each server's latest, in one statement",
    async () => {
      const db = await open();
      const servers = new ServerStore(db);
      const names = ["atlas", "boreas", "ceto"];
      const stored = async () =>
        Object.fromEntries(
          (await db.selectFrom("servers").select(["name", "last_seen"]).orderBy("name").execute()).map((r) => [
            r.name,
            r.last_seen,
          ]),
        );
      const contact = async () => {
        for (const name of names) await servers.recordContact(name, { reachable: true, agentVersion: "0.1.0" });
      };
      vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2026-12-07T10:00:00Z") });
      try {
        for (const name of names)
          await servers.upsert({ name, sync: "root", address: `https://${name}:8120`, enabled: true, region: "" });
        await contact();
        const first = await stored();
        expect(first.atlas).toBe("2026-12-07T10:00:00.000Z");
        // Due after CONTACT_WRITE_MS, then gathered for CONTACT_BATCH_MS: nothing stored yet.
        vi.setSystemTime(Date.now() + CONTACT_WRITE_MS);
        await contact();
        expect(await stored()).toEqual(first);
        vi.setSystemTime(Date.now() + CONTACT_BATCH_MS);
        await servers.recordContact("atlas", { reachable: true, agentVersion: "0.1.0" });
        // The batch is stored: atlas's time is its latest contact, the others' theirs from before.
        const later = new Date(Date.now()).toISOString();
        const due = new Date(Date.now() - CONTACT_BATCH_MS).toISOString();
        expect(await stored()).toEqual({ atlas: later, boreas: due, ceto: due });
        // A change is written at once, with the time seen in memory.
        vi.setSystemTime(Date.now() + CONTACT_WRITE_MS);
        await contact();
        await servers.recordContact("boreas", { reachable: false, error: "connection refused" });
        expect((await stored()).boreas).toBe(new Date(Date.now()).toISOString());
        expect((await servers.get("boreas"))?.reachable).toBe(false);
      } finally {
        vi.useRealTimers();
      }
    },
  );

  it.skipIf(skip !== undefined)("records syncs with errors and held plans", async () => {
    const db = await open();
    const syncs = new SyncStore(db, CoreKey.ephemeral());
    await syncs.upsert({
      name: "root",
      repoUrl: "/srv/fleet.git",
      branch: "main",
      paths: ["syncs"],
      managed: false,
      delete: true,
      webhookSecret: "hook-s3cret",
    });
    // The webhook secret is sealed at rest, readable only with the key.
    const raw = await db.selectFrom("syncs").select("webhook_secret").where("name", "=", "root").executeTakeFirst();
    expect(raw?.webhook_secret).not.toContain("hook-s3cret");
    expect(await syncs.webhookSecret("root")).toBe("hook-s3cret");
    await syncs.upsert({ name: "root", repoUrl: "/srv/fleet.git", branch: "main", paths: ["syncs"], managed: false });
    expect(await syncs.webhookSecret("root")).toBe("hook-s3cret");
    await syncs.record("root", { head: null, status: "failed", error: "cannot reach the remote" });
    expect(await syncs.get("root")).toMatchObject({
      status: "failed",
      delete: false,
      lastError: "cannot reach the remote",
    });
    const error = {
      severity: "error" as const,
      code: "E_UNKNOWN_SERVER",
      message: "unknown server",
      file: "syncs/a.toml",
      line: 3,
      column: 1,
    };
    await syncs.record("root", { head: "c2", status: "invalid", errors: [error] });
    expect(await syncs.get("root")).toMatchObject({
      headCommit: "c2",
      appliedCommit: null,
      status: "invalid",
      errors: [error],
      lastError: null,
    });
    await syncs.record("root", { head: "c3", status: "pending", pendingPlan: { deploys: [] } });
    expect(await syncs.get("root")).toMatchObject({ status: "pending", errors: [], pendingPlan: { deploys: [] } });
  });

  it.skipIf(skip !== undefined)(
    "stores update records with ordered events, and fails the ones a stop interrupted",
    async () => {
      const updates = new UpdateStore(await open());
      const id = await updates.create({
        operation: "deploy",
        targetKind: "stack",
        targetName: "web",
        trigger: "webhook",
        actor: "github",
        commit: "c1",
        reasons: ["compose.yaml changed"],
      });
      await updates.start(id);
      for (const seq of [0, 1, 2]) await updates.appendEvent(id, seq, { type: "log", line: `line ${seq}` });
      expect((await updates.events(id, 0)).map((e) => e.seq)).toEqual([1, 2]);
      const other = await updates.create({
        operation: "stop",
        targetKind: "stack",
        targetName: "db",
        trigger: "user",
        actor: "admin",
      });
      await updates.finish(other, "success", { ok: true });
      expect(await updates.failInterrupted("core restarted")).toBe(1);
      expect(await updates.get(id)).toMatchObject({
        status: "failed",
        reasons: ["compose.yaml changed"],
        trigger: "webhook",
      });
      expect((await updates.list({ targetName: "db" })).map((u) => u.status)).toEqual(["success"]);
    },
  );

  it.skipIf(skip !== undefined)("keeps alerts, one open per condition, and every delivery attempt", async () => {
    const alerts = new AlertStore(await open());
    const disk = await alerts.open({
      condition: "server-disk:apollo:/",
      type: "ServerDisk",
      targetKind: "server",
      targetName: "apollo",
      severity: "warning",
      message: "disk / at 80%",
      details: { percent: 80 },
      suppressed: false,
    });
    await alerts.update(disk.id, { severity: "critical", message: "disk / at 96%", details: { percent: 96 } });
    const quiet = await alerts.open({
      condition: "server-unreachable:quiet",
      type: "ServerUnreachable",
      targetKind: "server",
      targetName: "quiet",
      severity: "critical",
      message: "quiet is unreachable",
      details: {},
      suppressed: true,
    });
    await alerts.resolve(quiet.id, "quiet is reachable again");
    expect((await alerts.openAlerts()).map((a) => [a.condition, a.severity, a.details])).toEqual([
      ["server-disk:apollo:/", "critical", { percent: 96 }],
    ]);
    expect(await alerts.get(quiet.id)).toMatchObject({
      status: "resolved",
      suppressed: true,
      message: "quiet is reachable again",
    });
    expect((await alerts.list({ type: "ServerUnreachable" })).map((a) => a.targetName)).toEqual(["quiet"]);
    expect((await alerts.list({ status: "open", target: "apollo" })).map((a) => a.id)).toEqual([disk.id]);

    const first = await alerts.addDelivery(disk.id, "phone", "open");
    const second = await alerts.addDelivery(disk.id, "mail", "escalate");
    expect(second).toBeGreaterThan(first);
    await alerts.recordAttempt(first, { status: "pending", error: "HTTP 503", nextAttemptAt: "2026-11-23T00:00:05Z" });
    await alerts.recordAttempt(first, { status: "sent" });
    await alerts.recordAttempt(second, { status: "failed", error: "connection refused" });
    expect(await alerts.deliveries({ alertId: disk.id })).toMatchObject([
      { alerter: "phone", event: "open", status: "sent", attempts: 2, lastError: null, sentAt: expect.any(String) },
      {
        alerter: "mail",
        event: "escalate",
        status: "failed",
        attempts: 1,
        lastError: "connection refused",
        sentAt: null,
      },
    ]);
    expect(await alerts.deliveries({ status: "pending" })).toEqual([]);
  });

  it.skipIf(skip !== undefined)("keeps image checks per service, and registry credentials sealed", async () => {
    const db = await open();
    const masker = new SecretMasker();
    const images = new ImageStore(db, CoreKey.ephemeral(), masker);
    const row = (stack: string, service: string, fields: Partial<ImageCheckRow> = {}): ImageCheckRow => ({
      stack,
      service,
      server: "hercules",
      image: "ghcr.io/acme/web:1.2.3",
      status: "update-available",
      runningDigest: `sha256:${"a".repeat(64)}`,
      latestDigest: `sha256:${"b".repeat(64)}`,
      failedDigest: null,
      note: null,
      versions: { patch: ["1.2.4"], minor: [], major: ["2.0.0"] },
      checkedAt: "2026-12-06T00:00:00.000Z",
      ...fields,
    });
    await images.replace("web", [row("web", "app"), row("web", "db", { status: "local", versions: null })]);
    await images.replace("cache", [
      row("cache", "redis", { failedDigest: `sha256:${"b".repeat(64)}`, note: "did not take" }),
    ]);
    // A check replaces the stack's rows: a service gone from it goes too.
    await images.replace("web", [row("web", "app", { status: "up-to-date" })]);
    expect(await images.list()).toEqual([
      row("cache", "redis", { failedDigest: `sha256:${"b".repeat(64)}`, note: "did not take" }),
      row("web", "app", { status: "up-to-date" }),
    ]);
    await images.replace("cache", []);
    expect((await images.list()).map((r) => r.stack)).toEqual(["web"]);
    expect((await images.list("web")).map((r) => r.service)).toEqual(["app"]);

    await images.setCredential("ghcr.io", { username: "bot", password: "ghp_sealed-token" });
    await images.setCredential("ghcr.io", { username: "bot2", password: "ghp_other-token" });
    expect(await images.credentials()).toEqual([
      { registry: "ghcr.io", username: "bot2", updatedAt: expect.any(String) },
    ]);
    const stored = await db.selectFrom("registry_credentials").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain("ghp_other-token");
    expect(await images.credential("ghcr.io")).toEqual({ username: "bot2", password: "ghp_other-token" });
    expect(masker.mask("token ghp_other-token")).toBe("token ***");
    expect(await images.deleteCredential("ghcr.io")).toBe(true);
    expect(await images.deleteCredential("ghcr.io")).toBe(false);
    expect(await images.credential("ghcr.io")).toBeUndefined();
  });
});
