// Syncs a repository declares, per-sync webhook secrets, API keys, and an
// agent whose certificate changed.
import { createHmac } from "node:crypto";
import { AgentConfig, type RunningAgent, startAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  docker,
  type GitHttpServer,
  type GitRepo,
  gitHttpServer,
  gitRepo,
  sharedDaemons,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, login, PASSKEY, removeProjects, serverToml, startTestCore, WEBHOOK_SECRET } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const COMPOSE = 'services:\n  app:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483647"]\n';

describe.skipIf(daemons.skipReason !== "")("core: declared syncs, webhook secrets, certificates", () => {
  let host: string;
  let agent: RunningAgent;
  let agentPort: number;
  let root: GitRepo;
  let apps: GitRepo;
  let appsUrl: string;
  let forge: GitHttpServer;
  let core: RunningCore;
  let token: string;
  const dirs: TempDir[] = [];

  const api = apiClient(
    () => core.url,
    () => token,
  );
  const running = async (project: string) =>
    (await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project}`])).stdout.trim() !== "";
  const newAgent = async (port: number) => {
    const dir = await tempDir("tug-syncs-agent-");
    dirs.push(dir);
    return startAgent(
      { ...AgentConfig.parse({ port, host: "127.0.0.1", root: dir.path, docker_host: host }), passkey: PASSKEY },
      { log: () => {} },
    );
  };

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agent = await newAgent(0);
    agentPort = agent.port;
    apps = await gitRepo();
    await apps.write(
      "syncs/stacks.toml",
      `[[stack]]\nname = "app1"\n[stack.config]\nserver = "solo"\nproject_name = "app1-${suffix}"\nrun_directory = "stacks/app1"\n`,
    );
    await apps.write("stacks/app1/compose.yaml", COMPOSE);
    await apps.commitAndPush("apps");
    forge = await gitHttpServer();
    appsUrl = await forge.serve(apps.remote, "apps");
    root = await gitRepo();
    await root.write("syncs/servers.toml", serverToml("solo", agent));
    await root.write(
      "syncs/syncs.toml",
      `[[repo]]\nname = "apps-repo"\n[repo.config]\nurl = "${appsUrl}"\nbranch = "main"\n\n[[resource_sync]]\nname = "apps"\n[resource_sync.config]\nlinked_repo = "apps-repo"\nresource_path = ["syncs"]\nmanaged = true\nwebhook_secret = "apps-secret"\n`,
    );
    await root.write(
      "syncs/stacks.toml",
      `[[stack]]\nname = "base"\n[stack.config]\nserver = "solo"\nproject_name = "base-${suffix}"\nrun_directory = "stacks/base"\n`,
    );
    await root.write("stacks/base/compose.yaml", COMPOSE);
    await root.commitAndPush("root");
    const data = await tempDir("tug-syncs-core-");
    dirs.push(data);
    core = await startTestCore({ dataDir: data.path, syncRepo: root.remote });
    token = await login(core.url);
  });

  afterAll(async () => {
    await core?.close();
    await agent?.close();
    await removeProjects(host, [`base-${suffix}`, `app1-${suffix}`]);
    await forge?.close();
    await root?.cleanup();
    await apps?.cleanup();
    for (const dir of dirs) await dir.cleanup();
  });

  it("adds the syncs a repository declares, and deploys their stacks on servers another sync declared", async () => {
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", {
      what: "the root sync",
      timeoutMs: 60_000,
    });
    expect(await running(`base-${suffix}`)).toBe(true);
    expect(await core.context.syncs.get("apps")).toMatchObject({
      repoUrl: appsUrl,
      paths: ["syncs"],
      managed: true,
      declaredBy: "root",
    });
    const run = await api<{ status: string }>("POST", "/api/syncs/apps/run");
    expect(run.body.status).toBe("applied");
    expect(await running(`app1-${suffix}`)).toBe(true);
  });

  it("checks each sync's webhook against its own secret", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const sign = (secret: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    const send = (secret: string) =>
      fetch(`${core.url}/webhooks/github/sync/apps`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": sign(secret) },
        body,
      });
    expect((await send(WEBHOOK_SECRET)).status).toBe(401);
    expect((await send("apps-secret")).status).toBe(202);
    const gitlab = await fetch(`${core.url}/webhooks/gitlab/sync/root`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gitlab-token": WEBHOOK_SECRET },
      body,
    });
    expect(gitlab.status).toBe(202);
  });

  it("creates API keys that are shown once and work as tokens", async () => {
    const created = await api<{ key: string; expiresAt: string }>("POST", "/api/auth/api-keys", {
      name: "ci",
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^tgk_/);
    expect((await api("GET", "/api/stacks", undefined, created.body.key)).status).toBe(200);
  });

  it("refuses an agent whose certificate changed until an admin accepts it", async () => {
    const pinned = (await core.context.servers.get("solo"))?.fingerprint;
    expect(pinned).toBe(agent.fingerprint);
    await agent.close();
    agent = await newAgent(agentPort); // a new root: a new certificate, same address
    expect(agent.fingerprint).not.toBe(pinned);

    const refused = await api<{ updateId: string }>("POST", "/api/stacks/base/deploy");
    const update = await waitFor(
      async () => {
        const u = (
          await api<{ status: string; result: { error?: { code: string } } }>(
            "GET",
            `/api/updates/${refused.body.updateId}`,
          )
        ).body;
        return u.status === "failed" ? u : undefined;
      },
      { what: "the deploy to be refused" },
    );
    expect(update.result.error?.code).toBe("E_AGENT_CERT_CHANGED");
    expect(await core.context.servers.get("solo")).toMatchObject({
      fingerprint: pinned,
      pendingFingerprint: agent.fingerprint,
    });

    // Accepting needs the fingerprint the admin checked: the wrong one is refused.
    const wrong = await api<{ error: { code: string } }>("POST", "/api/servers/solo/accept-certificate", {
      fingerprint: pinned,
    });
    expect(wrong.status).toBe(400);
    expect((await api("POST", "/api/servers/solo/accept-certificate", { fingerprint: agent.fingerprint })).status).toBe(
      200,
    );
    const accepted = await api<{ updateId: string }>("POST", "/api/stacks/base/deploy");
    const done = await waitFor(
      async () => {
        const u = (await api<{ status: string }>("GET", `/api/updates/${accepted.body.updateId}`)).body;
        return u.status === "success" || u.status === "failed" ? u : undefined;
      },
      { what: "the deploy after accepting", timeoutMs: 60_000 },
    );
    expect(done.status).toBe("success");
  });

  it("stores stack state and server reachability from status polls", async () => {
    const ids = (await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=app1-${suffix}`])).stdout
      .split("\n")
      .filter(Boolean);
    await docker(host, ["stop", "-t", "1", ...ids]);
    await core.pollStatus();
    expect((await core.context.stacks.get("app1"))?.state).toBe("stopped");
    expect((await core.context.stacks.get("base"))?.state).toBe("running");
    expect((await core.context.servers.get("solo"))?.reachable).toBe(true);

    await agent.close();
    await core.pollStatus();
    expect(await core.context.servers.get("solo")).toMatchObject({
      reachable: false,
      lastError: expect.stringContaining("unreachable"),
    });
    expect((await core.context.stacks.get("base"))?.state).toBe("unknown");
    agent = await newAgent(agentPort);
  });
});
