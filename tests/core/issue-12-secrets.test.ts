// Issue 12, item 2: no secret reaches a viewer, a log or the database. A
// fleet with planted secrets (core-held, declared in TOML, embedded in a
// longer value, in a repository URL, a webhook secret, passkeys, a password
// and an API key) goes through a deploy, a failing deploy and container logs;
// then every route is called as a viewer, and every reply, every line core
// logged and the database files are searched for each secret.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
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
import { ADMIN, login, PASSKEY, removeProjects, serverToml, startTestAgent, startTestCore } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);

const SECRETS = {
  coreHeld: "db-pw-7Hq3xV", // TUG_SECRET_DB_PASSWORD, used by a [[variable]] that does not say is_secret
  coreSecret: "tok-Zx91LmQ", // TUG_SECRET_API_TOKEN for an is_secret variable
  inRepo: "repo-secret-Qw8Ty", // an is_secret variable with its value in TOML
  webhook: "hook-secret-Pz4Ns",
  urlPassword: "url-pass-Kd2Wq",
  passkey: PASSKEY,
  admin: ADMIN.password,
};

const APP = `services:
  app:
    image: local/busybox:1
    init: true
    # Prints the password alone (from inside a longer value), and each secret.
    command: ["sh", "-c", "echo \\"pw=$$(echo $$DATABASE_URL | cut -d: -f3 | cut -d@ -f1) token=$$API_TOKEN repo=$$REPO_SECRET\\"; exec sleep 2147483647"]
    environment:
      DATABASE_URL: \${DATABASE_URL}
      API_TOKEN: \${API_TOKEN}
      REPO_SECRET: \${REPO_SECRET}
`;
const BROKEN = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "echo \\"failing with $$API_TOKEN and $$DATABASE_URL\\"; exec sleep 2147483647"]
    environment:
      DATABASE_URL: \${DATABASE_URL}
      API_TOKEN: \${API_TOKEN}
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 2
`;

describe.skipIf(daemons.skipReason !== "")("secrets never reach a viewer, a log or the database", () => {
  let host: string;
  let agent: RunningAgent;
  let core: RunningCore;
  let repo: GitRepo;
  let other: GitRepo;
  let forge: GitHttpServer;
  let data: TempDir;
  let agentDir: TempDir;
  let viewerToken: string;
  let apiKey: string;
  const logLines: string[] = [];
  const replies: Array<{ route: string; body: string }> = [];

  const call = async (method: string, path: string, token = viewerToken) => {
    const res = await fetch(`${core.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    const body = await res.text();
    replies.push({ route: `${method} ${path}`, body });
    return { status: res.status, body };
  };
  /** A live route: what arrives in the first seconds. */
  const stream = async (path: string) => {
    const abort = new AbortController();
    const res = await fetch(`${core.url}${path}`, {
      headers: { authorization: `Bearer ${viewerToken}` },
      signal: abort.signal,
    });
    let body = "";
    const reader = res.body?.getReader();
    const until = Date.now() + 2_000;
    while (reader && Date.now() < until) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<undefined>((resolve) => setTimeout(resolve, until - Date.now())),
      ]);
      if (!chunk || chunk.done) break;
      body += new TextDecoder().decode(chunk.value);
    }
    abort.abort();
    replies.push({ route: `GET ${path} (stream)`, body });
  };

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agentDir = await tempDir("tug-secrets-agent-");
    agent = await startTestAgent({ dockerHost: host, root: agentDir.path });
    forge = await gitHttpServer();
    other = await gitRepo();
    await other.write("syncs/none.toml", "");
    await other.commitAndPush("other");
    const otherUrl = (await forge.serve(other.remote, "other")).replace(
      "http://",
      `http://tugboat:${SECRETS.urlPassword}@`,
    );
    repo = await gitRepo();
    const stack = (name: string) => `[[stack]]
name = "${name}"
[stack.config]
server = "solo"
project_name = "${name}-${suffix}"
run_directory = "stacks/${name}"
environment = """
DATABASE_URL=postgres://app:[[DB_PASSWORD]]@db/app
API_TOKEN=[[API_TOKEN]]
REPO_SECRET=[[REPO_SECRET]]
"""
[stack.config.pre_deploy]
command = "echo [[API_TOKEN]] > /dev/null"

`;
    await repo.write("syncs/servers.toml", serverToml("solo", agent));
    await repo.write("syncs/stacks.toml", stack("app") + stack("broken"));
    await repo.write(
      "syncs/variables.toml",
      `[[variable]]\nname = "DB_PASSWORD"\n\n[[variable]]\nname = "API_TOKEN"\nis_secret = true\n\n[[variable]]\nname = "REPO_SECRET"\nvalue = "${SECRETS.inRepo}"\nis_secret = true\n`,
    );
    await repo.write(
      "syncs/syncs.toml",
      `[[resource_sync]]\nname = "root"\n[resource_sync.config]\nmanaged = true\ninclude_variables = true\nwebhook_secret = "${SECRETS.webhook}"\n\n[[repo]]\nname = "other-repo"\n[repo.config]\nurl = "${otherUrl}"\n\n[[resource_sync]]\nname = "other"\n[resource_sync.config]\nlinked_repo = "other-repo"\n`,
    );
    await repo.write("stacks/app/compose.yaml", APP);
    await repo.write("stacks/broken/compose.yaml", BROKEN);
    await repo.commitAndPush("secrets everywhere");
    data = await tempDir("tug-secrets-core-");
    core = await startTestCore({
      dataDir: data.path,
      syncRepo: repo.remote,
      env: { TUG_SECRET_DB_PASSWORD: SECRETS.coreHeld, TUG_SECRET_API_TOKEN: SECRETS.coreSecret },
      log: (line) => logLines.push(line),
    });
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "failed", {
      what: "the first sync (broken fails its healthcheck)",
      timeoutMs: 90_000,
    });
    await core.context.users.create("watcher", "watcher password", "viewer");
    viewerToken = await login(core.url, { username: "watcher", password: "watcher password" });
    const adminToken = await login(core.url);
    const created = await fetch(`${core.url}/api/auth/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "ci" }),
    });
    apiKey = ((await created.json()) as { key: string }).key;
    await core.context.engine.check("other", { trigger: "poll", actor: "poll" });
    await core.pollStatus();
  });

  afterAll(async () => {
    await core?.close();
    await agent?.close();
    await removeProjects(host, [`app-${suffix}`, `broken-${suffix}`]);
    await forge?.close();
    await repo?.cleanup();
    await other?.cleanup();
    await data?.cleanup();
    await agentDir?.cleanup();
  });

  it("deploys with every secret in place: the containers get the real values", async () => {
    const app = await core.context.stacks.get("app");
    expect(app?.deployedFingerprint).not.toBeNull();
    const lines = await core.context.agents.client("solo").then((client) => {
      const got: string[] = [];
      return client
        ?.logs({
          stack: "app",
          tail: 10,
          follow: false,
          signal: AbortSignal.timeout(10_000),
          onLine: (l) => got.push(l.line),
        })
        .then(() => got);
    });
    expect(lines?.join("\n")).toContain(`pw=${SECRETS.coreHeld} token=${SECRETS.coreSecret} repo=${SECRETS.inRepo}`);
  });

  it("shows a viewer every route with every secret masked", async () => {
    const updates = JSON.parse((await call("GET", "/api/updates?limit=1000")).body) as Array<{ id: string }>;
    expect(updates.length).toBeGreaterThan(2);
    const alerts = JSON.parse((await call("GET", "/api/alerts")).body) as Array<{ id: string }>;
    const values: Record<string, string[]> = {
      name: ["app", "broken", "solo", "root", "other"],
      id: [...updates.map((u) => u.id), ...alerts.map((a) => a.id)],
    };
    for (const route of core.routes) {
      if (route.url === "/api/auth/logout") continue; // it would end the viewer's session
      const paths = route.url.includes(":")
        ? [...new Set(values[/:(\w+)/.exec(route.url)?.[1] ?? ""] ?? [])].map((v) => route.url.replace(/:\w+/, v))
        : [route.url];
      for (const path of paths) {
        if (route.method !== "GET") await call(route.method, path);
        else if (route.live) await stream(path);
        else await call("GET", path);
      }
    }
    await call("GET", "/api/stacks/app/logs?tail=50");
    await call("GET", "/api/stacks/broken/logs?tail=50");
    await stream("/api/stacks/app/logs?follow=1&tail=50");
    // The log replies hold the containers' output, masked.
    const logs = replies.find((r) => r.route === "GET /api/stacks/app/logs?tail=50")?.body ?? "";
    expect(logs).toContain("pw=*** token=*** repo=***");
    const failed = replies.filter((r) => r.route.startsWith("GET /api/updates/") && r.body.includes("failing with"));
    expect(failed.length).toBeGreaterThan(0);
    expect(replies.find((r) => r.route === "GET /api/syncs")?.body).toContain("http://***@127.0.0.1");
    for (const reply of replies) {
      for (const [what, secret] of Object.entries({ ...SECRETS, apiKey })) {
        expect(reply.body.includes(secret), `${what} in ${reply.route}`).toBe(false);
      }
    }
  });

  it("logs no secret, and keeps none in the database", async () => {
    for (const line of logLines) {
      for (const [what, secret] of Object.entries(SECRETS))
        expect(line.includes(secret), `${what} in "${line}"`).toBe(false);
    }
    // What an older Tugboat stored instead of values: an unkeyed hash a viewer could brute-force.
    const unkeyed = createHash("sha256").update(`API_TOKEN=${SECRETS.coreSecret}`).digest("hex");
    const files = (await readdir(data.path)).filter((f) => f.startsWith("tugboat.db"));
    expect(files).toContain("tugboat.db");
    for (const file of files) {
      const content = (await readFile(join(data.path, file))).toString("latin1");
      for (const [what, secret] of Object.entries({ ...SECRETS, apiKey, unkeyed })) {
        expect(content.includes(secret), `${what} in ${file}`).toBe(false);
      }
    }
  });
});
