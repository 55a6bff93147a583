// Issue 18: an agent core cannot reach dials core. It runs in a network
// namespace that drops every connection it did not open (checked: a listener
// in it cannot be reached from here), is enrolled with `tug server enroll`,
// and then deploys, streams logs, reports stats and runs an exec through its
// link. Cutting the link mid-deploy fails that deploy as unreachable; it is
// retried and succeeds once the link is back, with one container in the end.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { AgentConfig, startAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  docker,
  type EdgeNamespace,
  freePort,
  type GitRepo,
  gitRepo,
  removeProjects,
  type Service,
  selfSignedCertificate,
  sharedDaemons,
  startEdgeNamespace,
  startService,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import SQLite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, loggedInCli, login, startTestCore } from "./fixture.js";

const daemons = sharedDaemons();
const id = String(process.pid);
const project = (name: string) => `${name}-edge-${id}`;
const BIN = new URL("../../packages/cli/src/bin.ts", import.meta.url).pathname;

const servers = `[[server]]\nname = "meade"\n[server.config]\nconnection = "outbound"\nenabled = true\n`;
const stack = (name: string, top = "") =>
  `\n[[stack]]\nname = "${name}"\n${top}[stack.config]\nserver = "meade"\nproject_name = "${project(name)}"\nrun_directory = "stacks/${name}"\n`;
const WEB = `services:
  app:
    image: local/busybox:1
    hostname: edge-web
    init: true
    command: ["sh", "-c", "echo hello from the edge; exec sleep 2147483647"]
`;
/** Healthy after a few seconds: long enough to cut the link while the agent waits for it. */
const slow = (version: string) => `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "sleep 4; touch /tmp/ready; exec sleep 2147483647"]
    environment:
      VERSION: "${version}"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
`;

describe.skipIf(daemons.skipReason !== "")("an outbound agent behind NAT", () => {
  let host: string;
  let edge: EdgeNamespace;
  let repo: GitRepo;
  let data: TempDir;
  let agentRoot: TempDir;
  let cliConfig: TempDir;
  let core: RunningCore;
  let agent: Service | undefined;
  let token = "";
  let api: ReturnType<typeof apiClient>;
  let tug: Awaited<ReturnType<typeof loggedInCli>>;
  const coreLog: string[] = [];

  const startEdgeAgent = (tokenFile: string, fingerprint: string) =>
    startService({
      argv: [
        ...edge.enter,
        process.execPath,
        "--conditions=tugboat-source",
        "--import",
        "tsx",
        BIN,
        "agent",
        "--core",
        `wss://${edge.gateway}:${core.context.agentLink.listener?.port}`,
        "--token-file",
        tokenFile,
        "--core-fingerprint",
        fingerprint,
        "--root",
        agentRoot.path,
      ],
      env: { ...process.env, DOCKER_HOST: host },
      ready: /linked to core|cannot link to core: (.*)/,
    });
  const containers = async (name: string) =>
    (await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project(name)}`])).stdout
      .split("\n")
      .filter(Boolean);
  const deploys = async (name: string) =>
    (await core.context.log.store.list({ targetName: name })).filter((u) => u.operation === "deploy");

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    edge = await startEdgeNamespace("core");
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", servers);
    // `after` a stack on the same unlinked host: retried with it, not left behind.
    await repo.write("syncs/stacks.toml", stack("web") + stack("slow", 'after = ["web"]\n'));
    await repo.write("stacks/web/compose.yaml", WEB);
    await repo.write("stacks/slow/compose.yaml", slow("1"));
    await repo.commitAndPush("an edge host");
    data = await tempDir("tug-edge-core-");
    agentRoot = await tempDir("tug-edge-agent-");
    cliConfig = await tempDir("tug-edge-cli-");
    core = await startTestCore({
      dataDir: data.path,
      syncRepo: repo.remote,
      settings: {
        agent_link_port: await freePort(),
        agent_link_host: edge.gateway,
        agent_link_heartbeat_seconds: 1,
      },
      log: (line) => coreLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`),
    });
    token = await login(core.url);
    api = apiClient(
      () => core.url,
      () => token,
    );
    tug = await loggedInCli(cliConfig.path, core.url);
  });

  afterAll(async () => {
    if (process.env.TUG_DEBUG) console.log(coreLog.join("\n"), agent?.output());
    await agent?.stop();
    await core?.close();
    await removeProjects(host, [project("web"), project("slow")]);
    await edge?.remove();
    for (const dir of [data, agentRoot, cliConfig]) await dir?.cleanup();
    await repo?.cleanup();
  });

  it("is enrolled, links from a namespace core cannot reach, and deploys", async () => {
    // Declared before it is enrolled: its deploys wait, unreachable, like any host that is down.
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "failed", {
      what: "the first sync to find meade unreachable",
      timeoutMs: 60_000,
    });
    const [first] = await deploys("web");
    expect(JSON.stringify(first?.result)).toContain("E_AGENT_UNREACHABLE");
    const [waited] = await deploys("slow");
    expect(JSON.stringify(waited?.result)).toContain("E_DEPENDENCY_FAILED");
    const unreachable = async () =>
      (await api<Array<{ targetName: string }>>("GET", "/api/alerts?status=open&type=ServerUnreachable")).body;
    // Two status rounds that find it unlinked open the alert, as for a host that stops answering.
    await core.pollStatus();
    await core.pollStatus();
    expect(await unreachable()).toEqual([expect.objectContaining({ targetName: "meade" })]);

    const enrolled = await tug(["server", "enroll", "meade"]);
    expect(enrolled.exitCode, enrolled.stderr).toBe(0);
    const printed = enrolled.stdout.trim();
    expect(printed).toMatch(/^tugl\./);
    expect(enrolled.stderr).toContain(core.context.agentLink.listener?.fingerprint ?? "?");
    const db = new SQLite(join(data.path, "tugboat.db"), { readonly: true });
    const stored = JSON.stringify(db.prepare("select * from agent_tokens").all());
    db.close();
    expect(stored).toContain('"server":"meade"');
    expect(stored).not.toContain(printed.split(".")[2] ?? "?");
    const tokenFile = join(agentRoot.path, "agent.token");
    await writeFile(tokenFile, printed, { mode: 0o600 });

    // Something listens in the namespace; from here it cannot be reached.
    const inside = spawn(edge.enter[0] ?? "nsenter", [...edge.enter.slice(1), "busybox", "nc", "-lk", "-p", "8120"], {
      stdio: "ignore",
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await edge.reachableFromMachine(8120)).toBe(false);
    } finally {
      inside.kill();
    }

    agent = await startEdgeAgent(tokenFile, core.context.agentLink.listener?.fingerprint ?? "");
    expect(agent.ready[1], agent.output()).toBeUndefined();
    // Linking retries what could not reach it.
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", {
      what: "the sync to deploy once meade linked",
      timeoutMs: 120_000,
    });
    expect(await containers("web")).toHaveLength(1);
    expect(await containers("slow")).toHaveLength(1);
    await core.pollStatus();
    expect(await unreachable()).toEqual([]);
    const link = await api<{ connection: string; linked: { remote: string } | null }>("GET", "/api/servers/meade/link");
    expect(link.body).toMatchObject({ connection: "outbound", linked: { remote: edge.address } });
  });

  it("streams logs, reports stats and runs an exec through the link", async () => {
    const logs = await api<Array<{ line: string }>>("GET", "/api/stacks/web/logs?tail=20");
    expect(logs.body.map((l) => l.line)).toContain("hello from the edge");

    await core.pollStatus();
    const server = await core.context.servers.get("meade");
    expect(server).toMatchObject({ reachable: true, connection: "outbound" });
    const stats = await api<{ timestamps: number[]; series: Record<string, unknown> }>(
      "GET",
      "/api/servers/meade/stats?range=1h",
    );
    expect(stats.status).toBe(200);
    expect(stats.body.timestamps.length).toBeGreaterThan(0);
    expect(Object.keys(stats.body.series)).toContain("cpu");

    const ran = await tug(["exec", "web", "app", "--", "sh", "-c", "echo from $HOSTNAME; exit 3"]);
    expect(ran.stdout, ran.stderr).toContain("from edge-web");
    expect(ran.exitCode).toBe(3);
    // Every request above had a channel of its own; each is gone once it ended (the log
    // collector's long poll may be open).
    const link = await api<{ linked: { channels: number } }>("GET", "/api/servers/meade/link");
    expect(link.body.linked.channels).toBeLessThanOrEqual(1);
  });

  it("a link cut mid-deploy fails it as unreachable, then it is retried once the link is back", async () => {
    const before = (await deploys("slow")).length;
    await repo.write("stacks/slow/compose.yaml", slow("2"));
    const commit = await repo.commitAndPush("slow v2");
    core.context.engine.check("root", { trigger: "user", actor: "test" }).catch(() => undefined);
    await waitFor(async () => (await deploys("slow")).find((u) => u.commit === commit && u.status === "running"), {
      what: "the deploy of slow v2 to start",
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await edge.cut();
    let failed: Awaited<ReturnType<typeof deploys>>[number] | undefined;
    try {
      failed = await waitFor(
        async () => (await deploys("slow")).find((u) => u.commit === commit && u.status !== "running"),
        { what: "the cut deploy to end", timeoutMs: 60_000 },
      );
    } finally {
      await edge.restore();
    }
    expect(failed?.status).toBe("failed");
    expect(JSON.stringify(failed?.result)).toContain("E_AGENT_UNREACHABLE");
    const retried = await waitFor(
      async () => (await deploys("slow")).find((u) => u.commit === commit && u.status === "success"),
      { what: "the retried deploy of slow v2", timeoutMs: 120_000 },
    );
    expect(retried).toBeDefined();
    expect((await deploys("slow")).length).toBeGreaterThan(before + 1);
    const running = await containers("slow");
    expect(running).toHaveLength(1);
    const env = (await docker(host, ["inspect", "-f", "{{json .Config.Env}}", running[0] ?? ""])).stdout;
    expect(env).toContain("VERSION=2");
  });
});

describe.skipIf(daemons.skipReason !== "")("who may link", () => {
  let repo: GitRepo;
  let data: TempDir;
  let core: RunningCore;
  const agents: Array<{ close(): Promise<void> }> = [];
  const dirs: TempDir[] = [];

  /** An agent on loopback dialling core; resolves with its log so far once it linked or was refused. */
  const dial = async (options: { token: string; fingerprint?: string }) => {
    const root = await tempDir("tug-link-agent-");
    dirs.push(root);
    const lines: string[] = [];
    const agent = await startAgent(
      {
        ...AgentConfig.parse({
          root: root.path,
          docker_host: daemonHost(daemons, 0),
          core_url: `wss://127.0.0.1:${core.context.agentLink.listener?.port}`,
          core_fingerprint: options.fingerprint ?? core.context.agentLink.listener?.fingerprint,
        }),
        passkey: "",
        token: options.token,
      },
      { log: (line) => lines.push(line) },
    );
    agents.push(agent);
    await waitFor(() => lines.some((l) => /linked to core|cannot link/.test(l)), { what: "the agent to dial" });
    return lines;
  };
  const refusals = async () =>
    (await core.context.audit.list({ action: "agent.link", limit: 10 })).map((r) => ({
      outcome: r.outcome,
      actor: r.actor,
      reason: (r.detail as { reason?: string }).reason,
    }));

  beforeAll(async () => {
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", servers);
    await repo.commitAndPush("an edge host");
    data = await tempDir("tug-link-core-");
    core = await startTestCore({
      dataDir: data.path,
      syncRepo: repo.remote,
      settings: { agent_link_port: await freePort(), agent_link_host: "127.0.0.1" },
    });
    await waitFor(async () => (await core.context.servers.get("meade")) !== undefined, { what: "meade declared" });
  });

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    await core?.close();
    for (const dir of [data, ...dirs]) await dir?.cleanup();
    await repo?.cleanup();
  });

  it("refuses a wrong token and records it", async () => {
    const enrolled = await core.context.agentLink.tokens.enroll("meade", "admin");
    const wrong = `${enrolled.slice(0, enrolled.lastIndexOf(".") + 1)}${"A".repeat(43)}`;
    const lines = await dial({ token: wrong });
    expect(lines.join("\n")).toMatch(/core refused the link \(HTTP 401\): wrong token for server "meade"/);
    expect(core.context.agentLink.links.linked("meade")).toBeUndefined();
    expect(await refusals()).toContainEqual({
      outcome: "denied",
      actor: "agent:meade",
      reason: 'wrong token for server "meade"',
    });
    expect(JSON.stringify(await refusals())).not.toContain("A".repeat(43));
  });

  it("cuts and refuses a revoked token", async () => {
    const token = await core.context.agentLink.tokens.enroll("meade", "admin");
    const lines = await dial({ token });
    expect(lines.join("\n")).toContain("linked to core");
    expect(core.context.agentLink.links.linked("meade")).toMatchObject({ remote: "127.0.0.1" });
    const api = apiClient(
      () => core.url,
      () => "",
    );
    const revoked = await api("DELETE", "/api/servers/meade/enroll", undefined, await login(core.url));
    expect(revoked).toEqual({ status: 200, body: { server: "meade", revoked: true } });
    // The link is cut at once; when the agent dials again, core refuses it and records that.
    expect(core.context.agentLink.links.linked("meade")).toBeUndefined();
    const refusal = {
      outcome: "denied",
      actor: "agent:meade",
      reason: 'no token is enrolled for server "meade" (revoked?)',
    };
    await waitFor(async () => (await refusals()).some((r) => r.reason === refusal.reason), {
      what: "the revoked agent to be refused when it dials again",
      timeoutMs: 20_000,
    });
    expect(await refusals()).toContainEqual(refusal);
    expect(core.context.agentLink.links.linked("meade")).toBeUndefined();
  });

  it("a core whose agent link cannot listen does not start half way", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    const dataDir = await tempDir("tug-link-taken-");
    dirs.push(dataDir);
    const apiPort = await freePort();
    const settings = { port: apiPort, agent_link_port: port, agent_link_host: "127.0.0.1" };
    try {
      await expect(startTestCore({ dataDir: dataDir.path, syncRepo: repo.remote, settings })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      taken.close();
    }
    // Nothing of it is left running: its API port is closed, and a core starts on the same state and ports.
    await expect(fetch(`http://127.0.0.1:${apiPort}/api/health`)).rejects.toThrow();
    const again = await startTestCore({ dataDir: dataDir.path, syncRepo: repo.remote, settings });
    expect(again.context.agentLink.listener?.port).toBe(port);
    await again.close();
  });

  it("an agent refuses a core whose certificate is not the one pinned, and sends it nothing", async () => {
    const token = await core.context.agentLink.tokens.enroll("meade", "admin");
    const before = (await refusals()).length;
    const certDir = await tempDir("tug-link-cert-");
    dirs.push(certDir);
    const other = await selfSignedCertificate(certDir.path);
    const lines = await dial({ token, fingerprint: other.fingerprint });
    expect(lines.join("\n")).toContain(
      `presented certificate ${core.context.agentLink.listener?.fingerprint}, not the pinned ${other.fingerprint}; nothing was sent to it`,
    );
    expect(core.context.agentLink.links.linked("meade")).toBeUndefined();
    expect(await refusals()).toHaveLength(before);
    expect((await core.context.agentLink.tokens.enrolled("meade"))?.lastUsedAt).toBeNull();
  });
});
