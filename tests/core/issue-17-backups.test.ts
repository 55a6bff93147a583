// Issue 17, backups: core backs itself up while it deploys and writes metrics;
// the data dir (or the database) is wiped; `tug restore` brings it back and
// core starts with the same syncs, stacks, updates, alerts, users, API keys,
// metrics and sealed secrets; on SQLite and on PostgreSQL.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  type GitRepo,
  gitRepo,
  type PrivatePostgres,
  postgresUnavailableReason,
  run,
  sharedDaemons,
  startPostgres,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import SQLite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiClient,
  login,
  removeProjects,
  serverToml,
  soloStackToml,
  startTestAgent,
  startTestCore,
  tugCli,
} from "./fixture.js";

const daemons = sharedDaemons();
const PROJECT = `backed-${process.pid}`;
const APP = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
`;
/** Tables whose rows a restore must bring back exactly. */
const TABLES = ["syncs", "servers", "stacks", "updates", "update_events", "alerts", "users", "api_keys", "variables"];
const BATCH = 200;

interface Backup {
  name: string;
  status: string;
  size: number;
  tables: Record<string, number>;
  slots: string[];
}

describe.skipIf(daemons.skipReason !== "")("backup, wipe, restore", () => {
  let host: string;
  let agent: RunningAgent;
  let agentDir: TempDir;
  let repo: GitRepo;
  let postgres: PrivatePostgres | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    agentDir = await tempDir("tug-backup-agent-");
    agent = await startTestAgent({ dockerHost: host, root: agentDir.path });
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      `${serverToml("solo", agent)}\n[[server]]\nname = "gone"\n[server.config]\naddress = "https://127.0.0.1:1"\nenabled = true\n`,
    );
    await repo.write("syncs/stacks.toml", soloStackToml("app", PROJECT));
    await repo.write("stacks/app/compose.yaml", APP);
    await repo.commitAndPush("fleet");
    if (!postgresUnavailableReason()) postgres = await startPostgres();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await agent?.close();
    await removeProjects(host, [PROJECT]);
    await postgres?.stop();
    await repo?.cleanup();
    await agentDir?.cleanup();
  });

  /** A core on `dataDir` (and `databaseUrl`), its first sync done. */
  async function coreOn(dataDir: string, databaseUrl?: string) {
    const core = await startTestCore({
      dataDir,
      syncRepo: repo.remote,
      settings: { ...(databaseUrl ? { database_url: databaseUrl } : {}) },
    });
    cleanups.push(() => core.close());
    const token = await login(core.url);
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", {
      what: "the first sync",
      timeoutMs: 120_000,
    });
    return {
      core,
      token,
      api: apiClient(
        () => core.url,
        () => token,
      ),
    };
  }

  /** What the restore must bring back, read through the API. */
  async function picture(core: RunningCore, api: ReturnType<typeof apiClient>) {
    const stack = (await api<Record<string, unknown>>("GET", "/api/stacks/app")).body;
    const updates = (await api<Array<{ id: string; status: string }>>("GET", "/api/updates?target=app")).body;
    const alerts = (await api<Array<{ id: string; type: string; targetName: string }>>("GET", "/api/alerts")).body;
    const users = (await api<Array<{ username: string; role: string }>>("GET", "/api/users")).body;
    return {
      stack: {
        deployedFingerprint: stack.deployedFingerprint,
        deployedCommit: stack.deployedCommit,
        state: stack.state,
      },
      updates: updates.map((u) => `${u.id}:${u.status}`).sort(),
      alerts: alerts.map((a) => `${a.type}:${a.targetName}`).sort(),
      users: users.map((u) => `${u.username}:${u.role}`).sort(),
      secret: (await core.context.variables.values()).secrets.BACKUP_TEST,
      metrics: await core.context.observability.metrics.samples("bench", 0, 2_000_000_000),
    };
  }

  async function scenario(engine: "sqlite" | "postgres") {
    const data = await tempDir(`tug-backup-${engine}-`);
    cleanups.push(() => data.cleanup());
    const url = engine === "postgres" ? await postgres?.createDatabase(`backup_${process.pid}`) : undefined;
    const { core, token, api } = await coreOn(data.path, url);

    // State of every kind: a deploy (with its update record), users, an API key, a sealed secret, alerts, metrics.
    await waitFor(async () => (await core.context.stacks.get("app"))?.state === "running", {
      what: "app deployed",
      timeoutMs: 60_000,
    });
    expect(
      (await api("POST", "/api/users", { username: "vera", password: "viewer password 1", role: "viewer" })).status,
    ).toBe(201);
    const key = await api<{ key: string }>("POST", "/api/auth/api-keys", { name: "ci" });
    expect(key.status).toBe(201);
    expect((await api("PUT", "/api/variables/BACKUP_TEST", { value: "sealed-value-42", secret: true })).status).toBe(
      200,
    );
    await core.pollStatus();
    await core.pollStatus(); // "gone" is unreachable twice: an alert opens

    // The backup runs while a deploy and metric writes (200 rows per statement) go on.
    let writing = true;
    let batches = 0;
    const since = Math.floor(Date.now() / 1000) - 6 * 3600; // inside the raw retention (24 h)
    const writer = (async () => {
      while (writing) {
        const at = since + batches * BATCH;
        await core.context.observability.metrics.insertMany(
          Array.from({ length: BATCH }, (_, i) => ({ server: "bench", sample: { at: at + i, values: { cpu: i } } })),
        );
        batches++;
        await setImmediate(); // SQLite answers synchronously: let the requests run between batches
      }
    })();
    const redeploy = api<{ updateId: string }>("POST", "/api/stacks/app/deploy", {});
    const taken = await api<Backup>("POST", "/api/backups", {});
    expect((await redeploy).status).toBe(202);
    writing = false;
    await writer;
    expect(taken.status).toBe(201);
    expect(taken.body.status).toBe("ok");
    expect(taken.body.slots).toEqual(["daily", "weekly", "monthly"]);
    const archive = join(data.path, "backups", taken.body.name);
    if (engine === "sqlite") expect(taken.body.tables.metric_raw ?? -1).toBeGreaterThan(0);

    await waitFor(async () => (await core.context.stacks.get("app"))?.state === "running", {
      what: "the redeploy to end",
      timeoutMs: 60_000,
    });
    const before = await picture(core, api);
    const listed = await api<{ backups: Backup[] }>("GET", "/api/backups");
    expect(listed.body.backups.map((b) => b.name)).toContain(taken.body.name);

    // A running core's state is refused.
    const cli = tugCli(data.path);
    const refused = await cli(["restore", archive, "--data-dir", data.path, ...(url ? ["--database-url", url] : [])]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/another tug core/);

    await core.close();
    cleanups.pop();
    // Core is lost: the data dir goes (the backup was copied off first), and so does the database.
    const offsite = await tempDir("tug-backup-offsite-");
    cleanups.push(() => offsite.cleanup());
    const copy = join(offsite.path, taken.body.name);
    await run(["cp", archive, copy]);
    await rm(data.path, { recursive: true, force: true });
    const fresh = engine === "postgres" ? await postgres?.createDatabase(`restored_${process.pid}`) : undefined;

    const restored = await cli(["restore", copy, "--data-dir", data.path, ...(fresh ? ["--database-url", fresh] : [])]);
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toMatch(/restored the .* backup/);

    // The copy in the archive is consistent: whole metric batches only, every update event has its update.
    if (engine === "sqlite") {
      const file = new SQLite(join(data.path, "tugboat.db"), { readonly: true });
      const rows = file.prepare("select count(*) from metric_raw where server = 'bench'").pluck().get() as number;
      expect(rows % BATCH).toBe(0);
      const orphans = file
        .prepare(
          "select count(*) from update_events e where not exists (select 1 from updates u where u.id = e.update_id)",
        )
        .pluck()
        .get();
      expect(orphans).toBe(0);
      for (const table of TABLES)
        expect([table, file.prepare(`select count(*) from "${table}"`).pluck().get()]).toEqual([
          table,
          taken.body.tables[table],
        ]);
      file.close();
    }

    const again = await coreOn(data.path, fresh);
    const after = await picture(again.core, again.api);
    // The deploy in flight when the backup was taken is in it as it stood (core marks it interrupted on start).
    expect(after.stack.deployedFingerprint).toBe(before.stack.deployedFingerprint);
    expect(after.users).toEqual(before.users);
    expect(after.alerts).toEqual(
      expect.arrayContaining(before.alerts.filter((a) => a.startsWith("ServerUnreachable"))),
    );
    expect(after.secret).toBe("sealed-value-42");
    expect(after.metrics.length % BATCH).toBe(0);
    expect(after.metrics.length).toBeGreaterThan(0);
    expect(before.updates.filter((u) => after.updates.includes(u)).length).toBeGreaterThanOrEqual(
      before.updates.length - 1,
    );
    // The old session token and the API key still open the API; the new user logs in.
    expect((await again.api("GET", "/api/stacks", undefined, token)).status).toBe(200);
    expect((await again.api("GET", "/api/stacks", undefined, key.body.key)).status).toBe(200);
    expect(await login(again.core.url, { username: "vera", password: "viewer password 1" })).toBeTruthy();
  }

  it("on SQLite", async () => {
    await scenario("sqlite");
  }, 240_000);

  it.skipIf(postgresUnavailableReason() !== undefined)(
    "on PostgreSQL",
    async () => {
      await scenario("postgres");
    },
    240_000,
  );
});
