// Core with two agents on two private dockerds and a Git repository: first
// deploy, a one-stack push through a webhook, a forged webhook, an invalid
// commit, and a server whose agent is down.
import { createHmac } from "node:crypto";
import { type RunningAgent, startAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import { daemonHost, docker, sharedDaemons, type TempDir, tempDir, waitFor } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  apiClient,
  type Fixture,
  fleetFixture,
  login,
  PASSKEY,
  startTestCore,
  tugCli,
  WEBHOOK_SECRET,
} from "./fixture.js";

const daemons = sharedDaemons();

describe.skipIf(daemons.skipReason !== "")("core deploys a fleet from Git", () => {
  const agents: RunningAgent[] = [];
  const dirs: TempDir[] = [];
  let core: RunningCore;
  let fixture: Fixture;
  let token: string;
  let alpha: string;
  let beta: string;

  const api = apiClient(
    () => core.url,
    () => token,
  );
  const webhook = (payload: unknown, secret = WEBHOOK_SECRET) => {
    const body = JSON.stringify(payload);
    return fetch(`${core.url}/webhooks/github/sync/root`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      },
      body,
    });
  };
  const containerIds = async (host: string, stack: string) =>
    (
      await docker(host, [
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        `label=com.docker.compose.project=${fixture.project(stack)}`,
      ])
    ).stdout.trim();
  const sync = async () =>
    (
      await api<Array<{ status: string; headCommit: string | null; appliedCommit: string | null; errors: unknown[] }>>(
        "GET",
        "/api/syncs",
      )
    ).body[0];
  const deployRecords = async () =>
    (await api<Array<{ operation: string; targetName: string; status: string }>>("GET", "/api/updates")).body.filter(
      (u) => u.operation === "deploy",
    );

  beforeAll(async () => {
    alpha = daemonHost(daemons, 0);
    beta = daemonHost(daemons, 1);
    for (const host of [alpha, beta]) {
      const dir = await tempDir("tug-core-agent-");
      dirs.push(dir);
      agents.push(
        await startAgent(
          {
            ...(await import("@tugboat/agent")).AgentConfig.parse({
              port: 0,
              host: "127.0.0.1",
              root: dir.path,
              docker_host: host,
            }),
            passkey: PASSKEY,
          },
          { log: () => {} },
        ),
      );
    }
    const [a, b] = agents;
    if (!a || !b) throw new Error("agents did not start");
    fixture = await fleetFixture({ alpha: a, beta: b, gamma: { url: "https://127.0.0.1:1", fingerprint: "" } });
    const data = await tempDir("tug-core-data-");
    dirs.push(data);
    core = await startTestCore({ dataDir: data.path, syncRepo: fixture.repo.remote });
    token = await login(core.url);
  });

  afterAll(async () => {
    await core?.close();
    for (const agent of agents) await agent.close();
    for (const [host, stacks] of [
      [alpha, ["db", "web"]],
      [beta, ["cache", "worker"]],
    ] as const) {
      for (const stack of stacks) {
        const ids = fixture ? (await containerIds(host, stack)).split("\n").filter(Boolean) : [];
        if (ids.length > 0) await docker(host, ["rm", "-f", ...ids], { allowFailure: true });
      }
    }
    await fixture?.repo.cleanup();
    for (const dir of dirs) await dir.cleanup();
  });

  it("brings every stack up on the right daemon; the unreachable server fails only its own stack", async () => {
    const first = await waitFor(
      async () => {
        const s = await sync();
        return s && s.status !== "never" ? s : undefined;
      },
      { what: "the first sync to finish", timeoutMs: 120_000 },
    );
    const dump = JSON.stringify((await api<unknown[]>("GET", "/api/updates")).body, null, 1).slice(0, 3000);
    expect(first.status, dump).toBe("failed");
    for (const [host, stack] of [
      [alpha, "db"],
      [alpha, "web"],
      [beta, "cache"],
      [beta, "worker"],
    ] as const) {
      expect(await containerIds(host, stack), `${stack} on ${host}`).not.toBe("");
    }
    expect(await containerIds(alpha, "cache")).toBe("");
    expect(await containerIds(beta, "web")).toBe("");
    const records = await deployRecords();
    expect(records.map((r) => [r.targetName, r.status]).sort()).toEqual([
      ["cache", "success"],
      ["db", "success"],
      ["ghost", "failed"],
      ["web", "success"],
      ["worker", "success"],
    ]);
    const stacks = (
      await api<Array<{ name: string; state: string; deployedCommit: string | null }>>("GET", "/api/stacks")
    ).body;
    expect(stacks.find((s) => s.name === "web")).toMatchObject({ state: "running", deployedCommit: first.headCommit });
    const servers = (await api<Array<{ name: string; fingerprint: string | null }>>("GET", "/api/servers")).body;
    expect(servers.find((s) => s.name === "alpha")?.fingerprint).toBe(agents[0]?.fingerprint);
  });

  it("redeploys exactly the stack a pushed change touches, through a signed webhook", async () => {
    const before = {
      db: await containerIds(alpha, "db"),
      web: await containerIds(alpha, "web"),
      cache: await containerIds(beta, "cache"),
      worker: await containerIds(beta, "worker"),
    };
    const deploysBefore = (await deployRecords()).length;
    await fixture.repo.write("config/app.conf", "greeting = bonjour\n");
    const commit = await fixture.repo.commitAndPush("change the shared web config");
    const response = await webhook({ ref: "refs/heads/main", after: commit });
    expect(response.status).toBe(202);
    await waitFor(async () => (await sync())?.appliedCommit === commit, {
      what: "the push to be applied",
      timeoutMs: 120_000,
    });
    const after = {
      db: await containerIds(alpha, "db"),
      web: await containerIds(alpha, "web"),
      cache: await containerIds(beta, "cache"),
      worker: await containerIds(beta, "worker"),
    };
    expect(after.web).not.toBe(before.web);
    expect((await docker(alpha, ["exec", after.web, "cat", "/etc/app.conf"])).stdout).toBe("greeting = bonjour\n");
    expect({ db: after.db, cache: after.cache, worker: after.worker }).toEqual({
      db: before.db,
      cache: before.cache,
      worker: before.worker,
    });
    const all = await deployRecords();
    const newDeploys = all.slice(0, all.length - deploysBefore);
    // web because its file changed; ghost again because its server never answered (retried on every check).
    expect(newDeploys.map((r) => [r.targetName, r.status]).sort()).toEqual([
      ["ghost", "failed"],
      ["web", "success"],
    ]);
  });

  it("rejects a webhook with a bad signature and deploys nothing", async () => {
    const head = (await sync())?.headCommit;
    const records = (await api<unknown[]>("GET", "/api/updates")).body.length;
    await fixture.repo.write(
      "stacks/cache/compose.yaml",
      'services:\n  cache:\n    image: local/busybox:1\n    command: ["sleep", "1"]\n',
    );
    await fixture.repo.commitAndPush("unsigned change");
    const response = await webhook({ ref: "refs/heads/main" }, "wrong-secret");
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("E_UNAUTHORIZED");
    expect((await sync())?.headCommit).toBe(head);
    expect((await api<unknown[]>("GET", "/api/updates")).body.length).toBe(records);
    // Put the file back so the next test starts from a clean head.
    await fixture.repo.git(["revert", "--no-edit", "HEAD"]);
    await fixture.repo.push();
  });

  it("records an invalid commit with its errors and deploys nothing", async () => {
    const ids = { web: await containerIds(alpha, "web"), cache: await containerIds(beta, "cache") };
    const deploys = (await deployRecords()).length;
    const text = (await fixture.repo.git(["show", "HEAD:syncs/stacks.toml"])).replace(
      'server = "beta"',
      'server = "betta"',
    );
    await fixture.repo.write("syncs/stacks.toml", text);
    const bad = await fixture.repo.commitAndPush("typo in a server name");
    expect((await webhook({ ref: "refs/heads/main" })).status).toBe(202);
    const state = await waitFor(
      async () => {
        const s = await sync();
        return s?.headCommit === bad && s.status === "invalid" ? s : undefined;
      },
      { what: "the invalid commit to be recorded", timeoutMs: 60_000 },
    );
    expect(state.errors).toEqual([
      expect.objectContaining({
        code: "E_UNKNOWN_SERVER",
        file: "syncs/stacks.toml",
        message: 'unknown server "betta" (did you mean "beta"?)',
      }),
    ]);
    expect((await api<{ errors: unknown[] }>("GET", "/api/syncs/root/plan")).body.errors).toHaveLength(1);
    expect((await deployRecords()).length).toBe(deploys);
    expect({ web: await containerIds(alpha, "web"), cache: await containerIds(beta, "cache") }).toEqual(ids);
  });

  it("keeps a stack stopped through Tugboat stopped through later syncs", async () => {
    const stop = await api<{ updateId: string }>("POST", "/api/stacks/worker/stop");
    expect(stop.status).toBe(202);
    await waitFor(async () => (await containerIds(beta, "worker")) === "", { what: "worker to stop" });
    await waitFor(
      async () => (await api<{ stopped: boolean; state: string }>("GET", "/api/stacks/worker")).body.stopped,
      { what: "worker marked stopped" },
    );
    // Fix the invalid commit and change worker's compose file: the sync applies, but leaves worker alone.
    await fixture.repo.write(
      "syncs/stacks.toml",
      (await fixture.repo.git(["show", "HEAD:syncs/stacks.toml"])).replace('server = "betta"', 'server = "beta"'),
    );
    await fixture.repo.write(
      "stacks/worker/compose.yaml",
      'services:\n  worker:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483646"]\n',
    );
    const workerDeploys = (await deployRecords()).filter((r) => r.targetName === "worker").length;
    const commit = await fixture.repo.commitAndPush("fix the server name, change worker");
    expect((await webhook({ ref: "refs/heads/main" })).status).toBe(202);
    await waitFor(async () => (await sync())?.appliedCommit === commit, {
      what: "the fix to be applied",
      timeoutMs: 120_000,
    });
    expect(await containerIds(beta, "worker")).toBe("");
    expect((await deployRecords()).filter((r) => r.targetName === "worker")).toHaveLength(workerDeploys);
    expect((await api<{ stopped: boolean }>("GET", "/api/stacks/worker")).body.stopped).toBe(true);
    // Starting it again (a deploy) brings it back.
    expect((await api("POST", "/api/stack/worker/deploy")).status).toBe(202);
    await waitFor(async () => (await containerIds(beta, "worker")) !== "", {
      what: "worker to run again",
      timeoutMs: 60_000,
    });
  });

  it("checks roles on every route: a viewer sees, but gets 403 when it acts", async () => {
    const users = core.context.users;
    await users.create("watcher", "viewer password", "viewer");
    const login = await fetch(`${core.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "watcher", password: "viewer password" }),
    });
    const viewerToken = ((await login.json()) as { token: string }).token;
    const asViewer = (method: string, path: string) =>
      fetch(`${core.url}${path}`, { method, headers: { authorization: `Bearer ${viewerToken}` } });
    expect((await asViewer("GET", "/api/stacks")).status).toBe(200);
    const denied = await asViewer("POST", "/api/stacks/web/deploy");
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("E_FORBIDDEN");
    expect((await fetch(`${core.url}/api/stacks`)).status).toBe(401);
    const wrong = await fetch(`${core.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "watcher", password: "nope" }),
    });
    expect(wrong.status).toBe(401);
    const { key } = await users.createApiKey(1, "ci", null, null);
    expect((await fetch(`${core.url}/api/servers`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const openapi = (await (await fetch(`${core.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain("/api/stacks/{name}/deploy");
  });

  it("lists and counts stacks, with what the caller may do to each, without a store read per stack", async () => {
    // At 5,000 stacks, a read each held core's event loop for 1.5 s a listing (bench/scale.ts).
    const store = core.context.stacks;
    const get = store.get.bind(store);
    let reads = 0;
    store.get = (name) => {
      reads += 1;
      return get(name);
    };
    try {
      const stacks = (await api<Array<{ name: string; access: { execute: boolean } }>>("GET", "/api/stacks")).body;
      expect(stacks.map((s) => s.name)).toEqual(expect.arrayContaining(["cache", "db", "web", "worker"]));
      expect(stacks.every((s) => s.access.execute)).toBe(true);
      expect(reads).toBe(0);
      // A user with no grant: its dashboard counts no stack, judged from each stack's tags. The
      // reads left are one per alert and update record it weighs (their targets' tags).
      const { alerts, updates } = (await api<{ alerts: unknown[]; updates: unknown[] }>("GET", "/api/dashboard")).body;
      await core.context.users.create("granted-nothing", "a password with no grants", "user");
      const token = await login(core.url, { username: "granted-nothing", password: "a password with no grants" });
      const dashboard = await fetch(`${core.url}/api/dashboard`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await dashboard.json()) as { totals: { stacks: number } }).totals.stacks).toBe(0);
      expect(reads).toBeLessThanOrEqual(alerts.length + updates.length);
    } finally {
      store.get = get;
    }
  });

  it("is driven from the tug CLI: login, ls, deploy --follow, updates, remote plan", async () => {
    const config = await tempDir("tug-cli-config-");
    dirs.push(config);
    const tug = tugCli(config.path);
    const login = await tug(
      ["login", "--core", core.url, "--username", ADMIN.username, "--password-stdin"],
      `${ADMIN.password}\n`,
    );
    expect(login.exitCode, login.stderr).toBe(0);
    const ls = await tug(["ls", "stacks"]);
    expect(ls.stdout, ls.stderr).toMatch(/^web\s+alpha\s+running/m);
    const deploy = await tug(["deploy", "web", "--follow"]);
    expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.stdout).toContain("==> up");
    expect(deploy.stdout).toMatch(/update [0-9a-f-]+: success/);
    const updates = await tug(["updates", "--target", "web", "--json"]);
    expect((JSON.parse(updates.stdout) as Array<{ reasons: string[] }>)[0]?.reasons).toEqual(["manual deploy"]);
    const plan = await tug(["plan", "--core", core.url, "root", "--json"]);
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ commit: (await sync())?.headCommit, errors: [] });
    const wrong = await tug(["ls", "stacks", "--core", "http://127.0.0.1:9"]);
    expect(wrong.exitCode).toBe(2);
  });
});
