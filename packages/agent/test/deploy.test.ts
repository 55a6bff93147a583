// The agent against a private dockerd and real Git repositories.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { PollReply, StackStatus, StatusesReply } from "@tugboat/protocol";
import { daemonHost, docker, type GitRepo, gitRepo, sharedDaemons, waitFor } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent, WEB_COMPOSE } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");

describe.skipIf(daemons.skipReason !== "")("agent stack operations", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  let v1: string;
  let v2: string;

  const deployBody = (commit: string, extra: Record<string, unknown> = {}) => ({
    repository: { url: repo.remote },
    commit,
    runDirectory: "stacks/web",
    projectName: `web-${id}`,
    environment: "GREETING=hello from tugboat\n",
    timeoutSeconds: 60,
    ...extra,
  });
  const status = async (stack: string) => (await agent.json<StackStatus>("GET", `/stacks/${stack}/status`)).body;
  const idOf = (s: StackStatus, service: string) => s.containers.find((c) => c.service === service)?.id;

  beforeAll(async () => {
    host = daemonHost(daemons, 1);
    agent = await startTestAgent(host);
    repo = await gitRepo();
    await repo.write("stacks/web/compose.yaml", WEB_COMPOSE("v1"));
    await repo.write(
      "stacks/failing/compose.yaml",
      [
        "services:",
        "  web:",
        "    image: local/busybox:1",
        "    init: true",
        '    command: ["sh", "-c", "echo token is $$API_TOKEN; exec sleep 2147483647"]',
        "    environment:",
        `      API_TOKEN: \${API_TOKEN}`,
        "    healthcheck:",
        '      test: ["CMD", "false"]',
        "      interval: 1s",
        "      retries: 2",
        "",
      ].join("\n"),
    );
    v1 = await repo.commitAndPush("v1");
    await repo.write("stacks/web/compose.yaml", WEB_COMPOSE("v2"));
    v2 = await repo.commitAndPush("v2");
  });

  afterAll(async () => {
    for (const project of [`web-${id}`, `webb-${id}`, `fail-${id}`]) {
      const ids = (await docker(host, ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])).stdout
        .split("\n")
        .filter(Boolean);
      if (ids.length > 0) await docker(host, ["rm", "-f", ...ids], { allowFailure: true });
    }
    await agent?.stop();
    await repo?.cleanup();
  });

  it("deploys a stack from a commit and reports success once every service is up", async () => {
    const { status: code, result, events } = await agent.action(`/stacks/web-${id}/deploy`, deployBody(v1));
    expect(code).toBe(200);
    expect(result, JSON.stringify(events.slice(-5))).toMatchObject({
      ok: true,
      action: "deploy",
      commit: v1,
      failures: [],
    });
    expect(result?.steps.map((s) => s.step)).toEqual(["checkout", "write env file", "up", "wait for services"]);

    const s = await status(`web-${id}`);
    const byService = Object.fromEntries(s.containers.map((c) => [c.service, c]));
    expect(byService.web).toMatchObject({ state: "running", health: "healthy" });
    expect(byService.worker).toMatchObject({ state: "running" });
    // The one-shot init service exited 0, and that counts as success.
    expect(byService.init).toMatchObject({ state: "exited", exitCode: 0 });
    expect(s.commit).toBe(v1);
  });

  it("writes the env file with mode 0600 and the values reach the containers", async () => {
    const envFile = join(agent.root, "stacks", `web-${id}`, "stacks/web/.env");
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, "utf8")).toBe("GREETING=hello from tugboat\n");
    const web = idOf(await status(`web-${id}`), "web") ?? "";
    const env = (await docker(host, ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", web])).stdout;
    expect(env).toContain("GREETING=hello from tugboat");
  });

  it("redeploys at a new commit, recreating only the services that changed", async () => {
    const before = await status(`web-${id}`);
    const { result } = await agent.action(`/stacks/web-${id}/deploy`, deployBody(v2));
    expect(result?.ok).toBe(true);
    const after = await status(`web-${id}`);
    expect(idOf(after, "worker")).toBe(idOf(before, "worker"));
    expect(idOf(after, "web")).not.toBe(idOf(before, "web"));
    expect(after.commit).toBe(v2);
  });

  it("answers several stacks' status in one request, and says why one cannot be read", async () => {
    const { status: code, body } = await agent.json<StatusesReply>("POST", "/stacks/status", {
      stacks: [
        { stack: `web-${id}`, project: `web-${id}` },
        { stack: "../escape", project: "x" },
      ],
    });
    expect(code).toBe(200);
    const [web, outside] = body.statuses;
    expect(web && "containers" in web ? web.containers.map((c) => c.service).sort() : web).toEqual([
      "init",
      "web",
      "worker",
    ]);
    expect(web && "commit" in web ? web.commit : undefined).toBe(v2);
    expect(outside).toMatchObject({ stack: "../escape", error: { code: "E_INVALID_NAME" } });
  });

  it("answers a status round in one request: health, the host's stats, the stacks' status", async () => {
    const stacks = [{ stack: `web-${id}`, project: `web-${id}` }];
    const { status: code, body } = await agent.json<PollReply>("POST", "/poll", { stats: true, stacks });
    expect(code).toBe(200);
    expect(body.health).toMatchObject({ status: "ok", version: expect.any(String) });
    expect(body.stats?.memory.totalBytes).toBeGreaterThan(0);
    const [web] = body.statuses;
    expect(web && "containers" in web ? web.containers.map((c) => c.service).sort() : web).toEqual([
      "init",
      "web",
      "worker",
    ]);
    // Stats only when asked for; and, unlike /health, only with the passkey.
    const without = await agent.json<PollReply>("POST", "/poll", { stats: false, stacks });
    expect(without.body.stats).toBeNull();
    // Each status is tagged; one core says it holds comes back as the tag alone, any other whole.
    const tag = web && "tag" in web ? web.tag : undefined;
    expect(tag).toEqual(expect.any(String));
    const again = await agent.json<PollReply>("POST", "/poll", { stats: false, stacks: [{ ...stacks[0], seen: tag }] });
    expect(again.body.statuses).toEqual([{ stack: `web-${id}`, project: `web-${id}`, unchanged: tag }]);
    const stale = await agent.json<PollReply>("POST", "/poll", {
      stats: false,
      stacks: [{ ...stacks[0], seen: "an older tag" }],
    });
    expect(stale.body.statuses[0]).toMatchObject({ stack: `web-${id}`, tag, containers: expect.any(Array) });
    const anonymous = await agent.call("POST", "/poll", { stats: false, stacks }, { passkey: null });
    expect(anonymous.status).toBe(401);
  });

  it("keeps two stacks of one repository at different commits apart", async () => {
    const { result } = await agent.action(`/stacks/webb-${id}/deploy`, deployBody(v1, { projectName: `webb-${id}` }));
    expect(result?.ok).toBe(true);
    const file = (stack: string) => readFile(join(agent.root, "stacks", stack, "stacks/web/compose.yaml"), "utf8");
    expect(await file(`web-${id}`)).toContain("v2");
    expect(await file(`webb-${id}`)).toContain("v1");
    expect(await readdir(join(agent.root, "repos"))).toHaveLength(1);
  });

  it("reports a failing healthcheck as a failed deploy, with its last log lines, secrets masked", async () => {
    const { result } = await agent.action(
      `/stacks/fail-${id}/deploy`,
      deployBody(v1, {
        runDirectory: "stacks/failing",
        projectName: `fail-${id}`,
        environment: "API_TOKEN=s3cr3t-value\n",
        secrets: ["s3cr3t-value"],
        timeoutSeconds: 30,
      }),
    );
    expect(result?.ok).toBe(false);
    expect(result?.failures).toHaveLength(1);
    expect(result?.failures[0]).toMatchObject({ service: "web", reason: "unhealthy: its healthcheck fails" });
    expect(result?.failures[0]?.logs).toContain("token is ***");
    expect(JSON.stringify(result)).not.toContain("s3cr3t-value");
  });

  it("stops, starts and takes a stack down", async () => {
    const stack = `webb-${id}`;
    expect((await agent.action(`/stacks/${stack}/stop`, {})).result?.ok).toBe(true);
    expect((await status(stack)).containers.filter((c) => c.state === "running")).toEqual([]);
    expect((await agent.action(`/stacks/${stack}/start`, {})).result?.ok).toBe(true);
    await waitFor(
      async () => (await status(stack)).containers.some((c) => c.service === "web" && c.state === "running"),
      {
        what: "web to run again after start",
      },
    );
    expect((await agent.action(`/stacks/${stack}/down`, {})).result?.ok).toBe(true);
    expect((await status(stack)).containers).toEqual([]);
  });

  it("refuses a second action on a busy stack", async () => {
    const stack = `web-${id}`;
    // Sent together: whichever the agent takes first runs, the other is refused while it does
    // (probing after the first had been sent raced it: the probe could win and run, unrefused).
    const replies = await Promise.all([
      agent.call("POST", `/stacks/${stack}/restart`, {}),
      agent.call("POST", `/stacks/${stack}/restart`, {}),
    ]);
    const refused = replies.filter((r) => r.status === 409);
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0]?.text ?? "{}")).toMatchObject({ error: { code: "E_STACK_BUSY" } });
    const ran = replies.find((r) => r.status === 200);
    expect(ran?.text).toContain('"type":"result","ok":true');
  });

  it("returns the last log lines of a stack", async () => {
    const { text, status: code } = await agent.call("GET", `/stacks/web-${id}/logs?service=init&tail=5`);
    expect(code).toBe(200);
    const lines = text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { service: string; line: string });
    expect(lines.map((l) => l.line)).toContain("init done");
    expect(new Set(lines.map((l) => l.service))).toEqual(new Set(["init"]));
  });
});

describe.skipIf(daemons.skipReason !== "")("agent safety", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let commit: string;

  beforeAll(async () => {
    agent = await startTestAgent(daemonHost(daemons, 2));
    repo = await gitRepo();
    await repo.write("compose.yaml", WEB_COMPOSE("safety"));
    commit = await repo.commitAndPush("one");
  });
  afterAll(async () => {
    await agent?.stop();
    await repo?.cleanup();
  });

  it("answers /health without a passkey, revealing only status, version and fingerprint", async () => {
    const { status, text } = await agent.call("GET", "/health", undefined, { passkey: null });
    expect(status).toBe(200);
    const body = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["fingerprint", "status", "version"]);
    expect(body.fingerprint).toBe(agent.fingerprint);
    expect(agent.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(agent.logs.join("\n")).toContain(agent.fingerprint);
  });

  it("rejects a wrong or missing passkey with 401 and runs nothing", async () => {
    const body = { repository: { url: repo.remote }, commit, projectName: "nope", composeFiles: ["compose.yaml"] };
    for (const passkey of ["wrong", null]) {
      const { status, text } = await agent.call("POST", "/stacks/nope/deploy", body, { passkey });
      expect(status).toBe(401);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "E_UNAUTHORIZED" } });
    }
    expect((await agent.call("GET", "/info", undefined, { passkey: "wrong" })).status).toBe(401);
    expect(existsSync(join(agent.root, "stacks"))).toBe(false);
    expect(existsSync(join(agent.root, "repos"))).toBe(false);
  });

  it("refuses callers outside allowed_ips with 403, even with the right passkey", async () => {
    const fenced = await startTestAgent(daemonHost(daemons, 2), { allowedIps: ["10.9.9.9"] });
    try {
      const { status, text } = await fenced.call("GET", "/info");
      expect(status).toBe(403);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "E_FORBIDDEN" } });
      expect((await fenced.call("GET", "/health", undefined, { passkey: null })).status).toBe(200);
    } finally {
      await fenced.stop();
    }
  });

  it("rejects unsafe stack names before touching the disk", async () => {
    for (const name of ["../x", "a;rm -rf /", "$(id)"]) {
      const body = { repository: { url: repo.remote }, commit, projectName: "safe" };
      const { status, text } = await agent.call("POST", `/stacks/${encodeURIComponent(name)}/deploy`, body);
      expect(status, name).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "E_INVALID_NAME" } });
    }
    const leaving = await agent.call("POST", "/stacks/ok/deploy", {
      repository: { url: repo.remote },
      commit,
      projectName: "ok",
      runDirectory: "../../etc",
    });
    expect(leaving.status).toBe(400);
    expect(existsSync(join(agent.root, "stacks"))).toBe(false);
    expect(existsSync(join(agent.root, "repos"))).toBe(false);
  });

  it("reports host facts and stats", async () => {
    const info = (await agent.json<Record<string, unknown>>("GET", "/info")).body;
    expect(info).toMatchObject({
      dockerVersion: expect.stringMatching(/^\d+\./),
      compose: { kind: expect.any(String) },
    });
    const stats = (await agent.json<{ memory: { totalBytes: number }; disks: unknown[] }>("GET", "/stats")).body;
    expect(stats.memory.totalBytes).toBeGreaterThan(0);
    expect(stats.disks.length).toBeGreaterThan(0);
  });
});
