// Runs the acceptance fleet: `tug agent` per private dockerd and `tug core`,
// as real processes on fixed ports (so each can be killed and come back),
// plus the API, webhook and docker helpers the scenarios share. The outbound
// host's agent listens on nothing: it is enrolled once core has its server,
// and dials core's agent link.
import { createHmac } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "@tugboat/agent";
import {
  docker,
  freePort,
  type GitRepo,
  type PrivateDockerd,
  type Service,
  startService,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { type AgentEndpoint, type FleetStack, OUTBOUND, REACHABLE, UNREACHABLE } from "./fleet-repo.js";

const BIN = fileURLToPath(new URL("../../packages/cli/src/bin.ts", import.meta.url));
const TUG = [process.execPath, "--conditions=tugboat-source", "--import", "tsx", BIN];
/** Agents run with the flags their systemd unit uses (lite mode: no WebAssembly, so no fetch). */
const TUG_AGENT = [
  process.execPath,
  ...AGENT_NODE_FLAGS,
  "--conditions=tugboat-source",
  "--import",
  "tsx",
  BIN,
  "agent",
];
const PASSKEY = "fleet-passkey";
const SECRET = "fleet-hook";
const ADMIN = { username: "admin", password: "fleet admin password" };

export interface Update {
  id: string;
  operation: string;
  targetName: string;
  trigger: string;
  status: string;
  commit: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  result: { error?: { code: string; message: string } } | null;
}

interface Agent {
  server: string;
  port: number;
  /** The outbound agent's dial flags (core's link, token file, core's fingerprint). */
  dial?: string[];
  root: TempDir;
  daemon: PrivateDockerd;
  service: Service;
}

export type FleetHarness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(options: {
  daemons: PrivateDockerd[];
  repo: GitRepo;
  writeFleet: (addresses: Record<string, AgentEndpoint>) => Promise<FleetStack[]>;
}) {
  const dirs: TempDir[] = [];
  const startAgentProcess = (agent: Omit<Agent, "service">) =>
    startService({
      argv: [...TUG_AGENT, ...(agent.dial ?? [])],
      env: {
        ...process.env,
        TUG_AGENT_PORT: String(agent.port),
        TUG_AGENT_HOST: "127.0.0.1",
        TUG_AGENT_ROOT: agent.root.path,
        TUG_AGENT_PASSKEY: PASSKEY,
        DOCKER_HOST: agent.daemon.dockerHost,
      },
      // Printed right after it listens: the certificate core is told to trust (or, outbound, once it linked).
      ready: agent.dial ? /linked to core/ : /certificate fingerprint \(SHA-256\): ([0-9A-F:]+)/,
    });
  const agents: Agent[] = [];
  const outbound: Omit<Agent, "service">[] = [];
  for (const [i, server] of REACHABLE.entries()) {
    const root = await tempDir(`tug-fleet-${server}-`);
    dirs.push(root);
    const daemon = options.daemons[i] as PrivateDockerd;
    const spec = { server, port: await freePort(), root, daemon };
    if (server === OUTBOUND) outbound.push(spec);
    else agents.push({ ...spec, service: await startAgentProcess(spec) });
  }
  const addresses: Record<string, AgentEndpoint> = {};
  for (const agent of agents)
    addresses[agent.server] = { address: `https://127.0.0.1:${agent.port}`, fingerprint: agent.service.ready[1] ?? "" };
  // Nothing listens on these: the servers are down.
  for (const server of UNREACHABLE)
    addresses[server] = { address: `https://127.0.0.1:${await freePort()}`, fingerprint: "" };
  const stacks = await options.writeFleet(addresses);
  const firstCommit = await options.repo.git(["rev-parse", "HEAD"]);

  const data = await tempDir("tug-fleet-core-");
  dirs.push(data);
  const port = await freePort();
  const linkPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const startCoreProcess = () =>
    startService({
      argv: [...TUG, "core"],
      env: {
        ...process.env,
        TUG_PORT: String(port),
        TUG_HOST: "127.0.0.1",
        TUG_DATA_DIR: data.path,
        TUG_SYNC_REPO: options.repo.remote,
        TUG_POLL_INTERVAL: "3600",
        TUG_STATUS_INTERVAL: "2",
        TUG_AGENT_PASSKEY: PASSKEY,
        TUG_WEBHOOK_SECRET: SECRET,
        TUG_INIT_ADMIN_USERNAME: ADMIN.username,
        TUG_INIT_ADMIN_PASSWORD: ADMIN.password,
        TUG_ALERT_RETRY_SECONDS: "1",
        TUG_AGENT_LINK_PORT: String(linkPort),
        TUG_AGENT_LINK_HOST: "127.0.0.1",
      },
      ready: /listening on http:\/\/127\.0\.0\.1:\d+/,
    });
  let core = await startCoreProcess();
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const token = ((await login.json()) as { token: string }).token;

  const api = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const updates = (query: string) => api<Update[]>("GET", `/api/updates?limit=1000${query}`);
  const syncOf = (commit: string, done: (status: string) => boolean, timeoutMs = 180_000) =>
    waitFor(
      async () =>
        (await updates("&target=root")).find((u) => u.operation === "sync" && u.commit === commit && done(u.status)),
      { what: `the sync of ${commit.slice(0, 7)}`, timeoutMs, intervalMs: 300 },
    );

  // The outbound host is enrolled once core has its server (after the first sync, which finds it
  // unlinked); linking makes core try its stacks again, so the scenarios start with them deployed.
  await syncOf(firstCommit, (status) => status === "success" || status === "failed");
  for (const spec of outbound) {
    const enrolment = await api<{ token: string; coreFingerprint: string }>(
      "POST",
      `/api/servers/${spec.server}/enroll`,
    );
    const tokenFile = join(spec.root.path, "agent.token");
    await writeFile(tokenFile, enrolment.token, { mode: 0o600 });
    const dial = ["--core", `wss://127.0.0.1:${linkPort}`, "--token-file", tokenFile];
    const agent = { ...spec, dial: [...dial, "--core-fingerprint", enrolment.coreFingerprint] };
    agents.push({ ...agent, service: await startAgentProcess(agent) });
  }
  for (const stack of stacks.filter((s) => outbound.some((o) => o.server === s.server)))
    await waitFor(
      async () =>
        (await api<{ deployedCommit: string | null }>("GET", `/api/stacks/${stack.name}`)).deployedCommit ===
        firstCommit,
      { what: `${stack.name} deployed once its outbound agent linked`, timeoutMs: 180_000, intervalMs: 500 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\ncore:\n${core.output().slice(-6000)}`);
    });

  const harness = {
    stacks,
    firstCommit,
    api,
    async webhook(commit: string) {
      const body = JSON.stringify({ ref: "refs/heads/main", after: commit });
      const res = await fetch(`${url}/webhooks/github/sync/root`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      if (res.status !== 202) throw new Error(`webhook: HTTP ${res.status} ${await res.text()}`);
    },
    /** The finished sync update of `commit` (every push coalesced into it has been handled). */
    syncFinished: (commit: string, timeoutMs?: number) =>
      syncOf(commit, (status) => status === "success" || status === "failed", timeoutMs),
    sync: async () =>
      (
        await api<
          Array<{
            status: string;
            headCommit: string;
            appliedCommit: string;
            errors: Array<{ file: string; code: string }>;
          }>
        >("GET", "/api/syncs")
      )[0] as {
        status: string;
        headCommit: string;
        appliedCommit: string;
        errors: Array<{ file: string; code: string }>;
      },
    stack: (name: string) =>
      api<{
        state: string;
        stopped: boolean;
        deployedCommit: string | null;
        deployedFingerprint: string | null;
        desiredFingerprint: string;
        drift: Array<{ kind: string; message: string }> | null;
        quarantine: { commit: string; rolledBackTo?: string } | null;
      }>("GET", `/api/stacks/${name}`),
    /** Every update record of a stack (deploys, heals, actions), newest first. */
    updates: (target: string) => updates(`&target=${target}`),
    /** Deploy records, newest first. */
    deploys: async (target?: string) =>
      (await updates(target ? `&target=${target}` : "")).filter((u) => u.operation === "deploy"),
    alerts: (query: string) =>
      api<Array<{ type: string; targetName: string; status: string; message: string }>>("GET", `/api/alerts?${query}`),
    async containers(host: string, project: string) {
      const out = await docker(host, [
        "ps",
        "-a",
        "--filter",
        `label=com.docker.compose.project=${project}`,
        "--format",
        "{{.ID}} {{.State}}",
      ]);
      return out.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [id, state] = line.split(" ");
          return { id: id ?? "", state: state ?? "" };
        });
    },
    async containerIds(pairs: Array<[string, string]>) {
      const ids: Record<string, string> = {};
      for (const [host, project] of pairs)
        ids[project] = (await harness.containers(host, project)).map((c) => c.id).join(",");
      return ids;
    },
    async env(host: string, project: string) {
      const [container] = await harness.containers(host, project);
      return (await docker(host, ["inspect", "--format", "{{json .Config.Env}}", container?.id ?? "none"])).stdout;
    },
    async exec(host: string, project: string, argv: string[]) {
      const [container] = await harness.containers(host, project);
      return (await docker(host, ["exec", container?.id ?? "none", ...argv])).stdout;
    },
    async restartCore(how: { kill: boolean }) {
      await (how.kill ? core.kill() : core.stop());
      core = await startCoreProcess();
    },
    async restartAgent(server: string, how: { afterKill: () => Promise<unknown> }) {
      const agent = agents.find((a) => a.server === server);
      if (!agent) throw new Error(`no agent for ${server}`);
      await agent.service.kill();
      await how.afterKill();
      agent.service = await startAgentProcess(agent);
    },
    async stop() {
      await core.stop();
      for (const agent of agents) await agent.service.stop();
      for (const dir of dirs) await dir.cleanup();
    },
  };
  return harness;
}
