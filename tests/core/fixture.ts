// A fleet for core's integration tests: two reachable hosts (private dockerds
// with agents), one unreachable host, stacks with `after`, a healthcheck and a
// shared bind-mounted file, in a real Git repository.
import { randomBytes } from "node:crypto";
import { AgentConfig, type RunningAgent, startAgent } from "@tugboat/agent";
import { loadCoreConfig, type RunningCore, startCore } from "@tugboat/core";
import { type GitRepo, gitRepo, removeProjects, run, tempDir, waitFor } from "@tugboat/testkit";

export const PASSKEY = "core-test-passkey";
export const WEBHOOK_SECRET = "hook-secret";
export const ADMIN = { username: "admin", password: "correct horse battery" };

const compose = (service: string, extra = "") => `services:
  ${service}:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    restart: unless-stopped${extra}
`;

export interface Fixture {
  repo: GitRepo;
  id: string;
  project(stack: string): string;
}

/** An agent's address and the certificate fingerprint core is told to trust ("" for a host that is down). */
export interface AgentEndpoint {
  url: string;
  fingerprint: string;
}

/** A `[[server]]` for an agent, with its fingerprint: core sends the passkey only to that certificate. */
export function serverToml(name: string, agent: AgentEndpoint, extra = ""): string {
  return `[[server]]\nname = "${name}"\n${extra}[server.config]\naddress = "${agent.url}"\nfingerprint = "${agent.fingerprint}"\nenabled = true\n`;
}

export async function fleetFixture(agents: {
  alpha: AgentEndpoint;
  beta: AgentEndpoint;
  gamma: AgentEndpoint;
}): Promise<Fixture> {
  const repo = await gitRepo();
  const id = randomBytes(3).toString("hex");
  const project = (stack: string) => `${stack}-${id}`;
  const stack = (name: string, server: string, dir: string, extra = "") =>
    `\n[[stack]]\nname = "${name}"\n${extra}[stack.config]\nserver = "${server}"\nproject_name = "${project(name)}"\nrun_directory = "${dir}"\nenvironment = """\nHOST=${server}\n"""\n`;
  await repo.write(
    "syncs/servers.toml",
    (["alpha", "beta", "gamma"] as const).map((name) => serverToml(name, agents[name])).join("\n"),
  );
  await repo.write(
    "syncs/stacks.toml",
    [
      stack("db", "alpha", "stacks/db"),
      stack("web", "alpha", "stacks/web", 'after = ["db"]\n'),
      stack("cache", "beta", "stacks/cache"),
      stack("worker", "beta", "stacks/worker"),
      stack("ghost", "gamma", "stacks/worker"),
    ].join(""),
  );
  await repo.write(
    "stacks/db/compose.yaml",
    compose("db", `\n    healthcheck:\n      test: ["CMD", "true"]\n      interval: 1s\n      retries: 3`),
  );
  await repo.write(
    "stacks/web/compose.yaml",
    compose("web", "\n    volumes:\n      - ../../config/app.conf:/etc/app.conf:ro"),
  );
  await repo.write("stacks/cache/compose.yaml", compose("cache"));
  await repo.write("stacks/worker/compose.yaml", compose("worker"));
  await repo.write("config/app.conf", "greeting = hello\n");
  await repo.commitAndPush("fleet");
  return { repo, id, project };
}

/** An agent on loopback for `dockerHost`, keeping its state (and certificate) in `root`. */
export function startTestAgent(options: {
  dockerHost: string;
  root: string;
  port?: number;
  /** The `[secrets]` of its agent.toml. */
  secrets?: Record<string, string>;
  /** Receives the agent's log lines. */
  log?: (line: string) => void;
}): Promise<RunningAgent> {
  return startAgent(
    {
      ...AgentConfig.parse({
        port: options.port ?? 0,
        host: "127.0.0.1",
        root: options.root,
        docker_host: options.dockerHost,
        secrets: options.secrets ?? {},
      }),
      passkey: PASSKEY,
    },
    { log: options.log ?? (() => {}) },
  );
}

/** Core on SQLite in `dataDir`, syncing `syncRepo`, with no timers that would race the tests. */
export async function startTestCore(options: {
  dataDir: string;
  syncRepo: string;
  /** Other core settings, as in core's config file. */
  settings?: Record<string, unknown>;
  /** Environment core reads (TUG_SECRET_* values). */
  env?: Record<string, string>;
  /** Receives core's log lines. */
  log?: (line: string) => void;
}): Promise<RunningCore> {
  return startCore(
    await loadCoreConfig({
      env: options.env ?? {},
      overrides: {
        port: 0,
        host: "127.0.0.1",
        data_dir: options.dataDir,
        sync_repo: options.syncRepo,
        poll_interval: 3600,
        status_interval: 3600,
        image_check_interval: 0,
        agent_passkey: PASSKEY,
        webhook_secret: WEBHOOK_SECRET,
        init_admin_username: ADMIN.username,
        init_admin_password: ADMIN.password,
        ...options.settings,
      },
    }),
    { log: options.log ?? (() => {}) },
  );
}

/** The last `max` lines given to `log`, for a failed test to print. */
export function logTail(max = 400) {
  const lines: string[] = [];
  return {
    log: (line: string) => {
      lines.push(line);
      if (lines.length > max) lines.shift();
    },
    text: () => lines.join("\n"),
  };
}

/** Core's last updates with their events, one line each, for a failed test to print. */
export async function lastUpdates(core: RunningCore, count = 6): Promise<string> {
  const store = core.context.log.store;
  const out: string[] = [];
  for (const u of await store.list({ limit: count })) {
    out.push(`${u.createdAt} ${u.operation} ${u.targetName} ${u.status} started ${u.startedAt} ended ${u.endedAt}`);
    for (const { seq, event } of (await store.events(u.id)).slice(-30)) out.push(`  ${seq} ${JSON.stringify(event)}`);
    if (u.result) out.push(`  result ${JSON.stringify(u.result)}`);
  }
  return out.join("\n");
}

export async function login(url: string, user: { username: string; password: string } = ADMIN): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(user),
  });
  return ((await res.json()) as { token: string }).token;
}

/** A JSON API caller for one core and token. */
export function apiClient(url: () => string, token: () => string) {
  return async <T>(
    method: string,
    path: string,
    body?: unknown,
    auth = token(),
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url()}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}

/** A `[[stack]]` on the solo fleet's server, its files in `stacks/<name>`, with more `[stack.config]` lines. */
export function soloStackToml(name: string, project: string, config = ""): string {
  return `\n[[stack]]\nname = "${name}"\n[stack.config]\nserver = "solo"\nproject_name = "${project}"\nrun_directory = "stacks/${name}"\n${config}${config.endsWith("\n") || config === "" ? "" : "\n"}`;
}

/**
 * One server ("solo": an agent on `dockerHost`) and one core syncing a fresh
 * repository of `files` (servers.toml is added), after its first sync ended
 * `ok`. `close()` stops both, removes the `projects` and every folder.
 */
export async function startSoloFleet(options: {
  dockerHost: string;
  files: Record<string, string>;
  projects: readonly string[];
  /** Other core settings, as in core's config file. */
  settings?: Record<string, unknown>;
}) {
  const agentDir = await tempDir("tug-solo-agent-");
  const agent = await startTestAgent({ dockerHost: options.dockerHost, root: agentDir.path });
  const repo = await gitRepo();
  await repo.write("syncs/servers.toml", serverToml("solo", agent));
  for (const [path, text] of Object.entries(options.files)) await repo.write(path, text);
  await repo.commitAndPush("fleet");
  const data = await tempDir("tug-solo-core-");
  const core = await startTestCore({
    dataDir: data.path,
    syncRepo: repo.remote,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const token = await login(core.url);
  await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", {
    what: "the first sync",
    timeoutMs: 120_000,
  });
  return {
    agent,
    core,
    repo,
    token,
    api: apiClient(
      () => core.url,
      () => token,
    ),
    async close() {
      await core.close();
      await agent.close();
      await removeProjects(options.dockerHost, options.projects);
      await repo.cleanup();
      await data.cleanup();
      await agentDir.cleanup();
    },
  };
}
export type SoloFleet = Awaited<ReturnType<typeof startSoloFleet>>;

/** Runs the `tug` CLI from source with its own config folder (where `tug login` saves the session). */
export function tugCli(configDir: string) {
  const bin = new URL("../../packages/cli/src/bin.ts", import.meta.url).pathname;
  /** `interruptAfter`: seconds after which it gets SIGINT, as Ctrl-C would (for `-f`). */
  return (args: string[], input?: string, interruptAfter?: number) =>
    run(
      [
        ...(interruptAfter ? ["timeout", "-s", "INT", String(interruptAfter)] : []),
        process.execPath,
        "--conditions=tugboat-source",
        "--import",
        "tsx",
        bin,
        ...args,
      ],
      {
        env: { ...process.env, XDG_CONFIG_HOME: configDir, TUG_TOKEN: "", TUG_CORE_URL: "" },
        allowFailure: true,
        ...(input === undefined ? {} : { input }),
      },
    );
}

/** `tug` with its own config folder, logged in to `coreUrl` as the admin (its session saved there). */
export async function loggedInCli(configDir: string, coreUrl: string) {
  const cli = tugCli(configDir);
  const result = await cli(
    ["login", "--core", coreUrl, "--username", ADMIN.username, "--password-stdin"],
    `${ADMIN.password}\n`,
  );
  if (result.exitCode !== 0) throw new Error(`tug login failed: ${result.stderr}`);
  return cli;
}

export { removeProjects } from "@tugboat/testkit";
