// Issue 12, items 9 and 12 and its fault test: a git remote, a registry and
// one agent hang at once (each accepts connections and never answers). Core,
// a real process, keeps polling the healthy agent, answers its API, and
// stops within 5 s of SIGTERM.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningAgent } from "@tugboat/agent";
import {
  daemonHost,
  type GitRepo,
  gitRepo,
  type Service,
  type StallingServer,
  selfSignedCertificate,
  sharedDaemons,
  stallingServer,
  startService,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, PASSKEY, removeProjects, serverToml, startTestAgent } from "./fixture.js";

const BIN = fileURLToPath(new URL("../../packages/cli/src/bin.ts", import.meta.url));
const daemons = sharedDaemons();
const suffix = String(process.pid);
const SLEEP = 'services:\n  app:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483647"]\n';

describe.skipIf(daemons.skipReason !== "")("core with a hung agent, git remote and registry", () => {
  let host: string;
  let dir: TempDir;
  let agent: RunningAgent;
  let hungAgent: Server;
  let hungGit: StallingServer;
  let hungRegistry: StallingServer;
  let repo: GitRepo;
  let core: Service;
  let url: string;
  let token: string;
  let hungRequests = 0;

  const api = async (path: string) => {
    const started = Date.now();
    const res = await fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, ms: Date.now() - started, body: (await res.json()) as unknown };
  };
  const lastSeen = async (server: string) =>
    ((await api("/api/servers")).body as Array<{ name: string; lastSeen: string | null }>).find(
      (s) => s.name === server,
    )?.lastSeen ?? null;

  beforeAll(async () => {
    host = daemonHost(daemons, 1);
    dir = await tempDir("tug-faults-");
    agent = await startTestAgent({ dockerHost: host, root: join(dir.path, "agent") });
    // An agent that completes TLS with a certificate core trusts, then never answers.
    const tls = await selfSignedCertificate(dir.path);
    hungAgent = createServer({ key: tls.key, cert: tls.cert }, () => {});
    hungAgent.on("request", () => {
      hungRequests += 1;
    });
    await new Promise<void>((resolve) => hungAgent.listen(0, "127.0.0.1", resolve));
    const hungAddress = `https://127.0.0.1:${(hungAgent.address() as AddressInfo).port}`;
    hungGit = await stallingServer();
    hungRegistry = await stallingServer();
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      `${serverToml("good", agent)}\n${serverToml("hung", { url: hungAddress, fingerprint: tls.fingerprint })}`,
    );
    await repo.write(
      "syncs/stacks.toml",
      [
        `[[stack]]\nname = "steady"\n[stack.config]\nserver = "good"\nproject_name = "steady-${suffix}"\nrun_directory = "stacks/steady"\n`,
        `[[stack]]\nname = "pulls"\n[stack.config]\nserver = "good"\nproject_name = "pulls-${suffix}"\nrun_directory = "stacks/pulls"\n`,
        `[[stack]]\nname = "stuck"\n[stack.config]\nserver = "hung"\nrun_directory = "stacks/steady"\n`,
      ].join("\n"),
    );
    await repo.write(
      "syncs/syncs.toml",
      `[[repo]]\nname = "hung-repo"\n[repo.config]\nurl = "http://${hungGit.address}/fleet.git"\n\n[[resource_sync]]\nname = "hung"\n[resource_sync.config]\nlinked_repo = "hung-repo"\n`,
    );
    await repo.write("stacks/steady/compose.yaml", SLEEP);
    await repo.write("stacks/pulls/compose.yaml", SLEEP.replace("local/busybox:1", `${hungRegistry.address}/app:1`));
    await repo.commitAndPush("a fleet with three hanging peers");
    core = await startService({
      argv: [process.execPath, "--conditions=tugboat-source", "--import", "tsx", BIN, "core"],
      env: {
        ...process.env,
        TUG_PORT: "0",
        TUG_HOST: "127.0.0.1",
        TUG_DATA_DIR: join(dir.path, "core"),
        TUG_SYNC_REPO: repo.remote,
        TUG_POLL_INTERVAL: "5",
        TUG_STATUS_INTERVAL: "1",
        TUG_AGENT_PASSKEY: PASSKEY,
        TUG_INIT_ADMIN_USERNAME: ADMIN.username,
        TUG_INIT_ADMIN_PASSWORD: ADMIN.password,
      },
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    });
    url = core.ready[1] as string;
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    token = ((await login.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await core?.kill();
    await agent?.close();
    hungAgent?.closeAllConnections();
    await new Promise<void>((resolve) => hungAgent?.close(() => resolve()));
    await hungGit?.close();
    await hungRegistry?.close();
    await removeProjects(host, [`steady-${suffix}`, `pulls-${suffix}`]);
    await repo?.cleanup();
    await dir?.cleanup();
  });

  it("keeps polling the healthy agent and answering its API while the others hang", async () => {
    await waitFor(() => hungRequests > 0, {
      what: "core's requests to the hung agent",
      timeoutMs: 60_000,
    });
    await waitFor(() => hungGit.connections() > 0 && hungRegistry.connections() > 0, {
      what: "core to reach the hung remote and the agent the hung registry",
      timeoutMs: 60_000,
    });
    const first: string = await waitFor(async () => (await lastSeen("good")) ?? undefined, {
      what: "a first poll of the good server",
      timeoutMs: 30_000,
    });
    // Several status rounds later, with the hung agent's requests still open, the good one is polled again.
    const later = await waitFor(
      async () => {
        const now = await lastSeen("good");
        return now !== null && now > first ? now : undefined;
      },
      { what: "the good server polled again", timeoutMs: 15_000 },
    );
    expect(later > first).toBe(true);
    for (const path of ["/api/health", "/api/stacks", "/api/servers", "/api/syncs", "/api/dashboard"]) {
      const reply = await api(path);
      expect(reply.status, path).toBe(200);
      expect(reply.ms, path).toBeLessThan(2_000);
    }
    // The healthy server's deploy finishes while the others hang (on a loaded machine it may still be running here).
    await waitFor(async () => ((await api("/api/stacks/steady")).body as { state: string }).state === "running", {
      what: "stack steady running on the healthy server",
      timeoutMs: 30_000,
    });
  });

  it("stops within 5 s of SIGTERM, with all three still hanging", async () => {
    const started = Date.now();
    await core.stop();
    expect(Date.now() - started, core.output().slice(-2000)).toBeLessThan(5_000);
  });
});
