// Issue 17, agent upgrades: three agents run from the single-file build under
// a supervisor (as systemd's Restart=always would), one per private dockerd.
// `tug agent upgrade --all` moves each to a newer build (a version bump made
// here), one host at a time, while a push queues a deploy to every host: none
// is lost. A build whose bytes do not match its published hash is refused and
// the agent keeps running; `--rollback` puts the previous build back.
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  freePort,
  type GitRepo,
  gitRepo,
  run,
  type Service,
  sharedDaemons,
  startService,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, loggedInCli, login, PASSKEY, removeProjects, startTestCore, type tugCli } from "./fixture.js";

const daemons = sharedDaemons();
const BUNDLER = fileURLToPath(new URL("../../scripts/bundle-agent.mjs", import.meta.url));
const SERVERS = ["alpha", "beta", "gamma"] as const;
const id = String(process.pid);
const project = (server: string) => `up-${server}-${id}`;
const OLD = "0.1.0";
const NEW = "0.1.1-upgrade";

/** Runs the agent build at `build`, and again whenever it exits, until stopped: systemd's Restart=always. */
function supervised(build: string, env: NodeJS.ProcessEnv, stopFile: string): Promise<Service> {
  const loop = `trap 'touch "$STOP"; kill $pid 2>/dev/null; wait $pid; exit 0' TERM INT
while :; do "$NODE" ${AGENT_NODE_FLAGS.join(" ")} "$BUILD" agent & pid=$!; wait $pid; [ -f "$STOP" ] && exit 0; sleep 0.2; done`;
  return startService({
    argv: ["sh", "-c", loop],
    env: { ...env, NODE: process.execPath, BUILD: build, STOP: stopFile, TUG_AGENT_SUPERVISED: "1" },
    ready: /certificate fingerprint \(SHA-256\): ([0-9A-F:]+)/,
  });
}

async function health(port: number): Promise<string> {
  const res = await run(["curl", "-sk", "--max-time", "3", `https://127.0.0.1:${port}/health`], { allowFailure: true });
  return res.exitCode === 0 ? (JSON.parse(res.stdout) as { version: string }).version : "down";
}

describe.skipIf(daemons.skipReason !== "")("tug agent upgrade", () => {
  let work: TempDir;
  let repo: GitRepo;
  let core: RunningCore;
  let cli: ReturnType<typeof tugCli>;
  const agents: Array<{ server: string; port: number; service: Service; build: string }> = [];
  const offered = () => join(work.path, "offered", "tugboat-agent.mjs");

  const bundle = async (version: string) => {
    const out = join(work.path, `build-${version}`);
    await run([process.execPath, BUNDLER, "--out", out, "--version", version]);
    return join(out, "tugboat-agent.mjs");
  };
  const offer = async (build: string) => {
    await mkdir(join(work.path, "offered"), { recursive: true });
    copyFileSync(`${build}.sha256`, `${offered()}.sha256`);
    copyFileSync(build, offered());
  };
  const stackToml = (server: string, greeting: string) =>
    `\n[[stack]]\nname = "s-${server}"\n[stack.config]\nserver = "${server}"\nproject_name = "${project(server)}"\nrun_directory = "stacks/app"\nenvironment = """\nGREETING=${greeting}\n"""\n`;

  beforeAll(async () => {
    work = await tempDir("tug-upgrade-");
    const [oldBuild, newBuild] = await Promise.all([bundle(OLD), bundle(NEW)]);
    await offer(newBuild);
    for (const [i, server] of SERVERS.entries()) {
      const root = join(work.path, server);
      await mkdir(join(root, "bin"), { recursive: true });
      // Each host has its own installed copy: an upgrade replaces it in place.
      const build = join(root, "bin", "tugboat-agent.mjs");
      copyFileSync(oldBuild, build);
      const port = await freePort();
      const env = {
        ...process.env,
        TUG_AGENT_PORT: String(port),
        TUG_AGENT_HOST: "127.0.0.1",
        TUG_AGENT_ROOT: join(root, "state"),
        TUG_AGENT_PASSKEY: PASSKEY,
        DOCKER_HOST: daemonHost(daemons, i),
      };
      agents.push({ server, port, build, service: await supervised(build, env, join(root, "stop")) });
    }
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      agents
        .map(
          (a) =>
            `[[server]]\nname = "${a.server}"\n[server.config]\naddress = "https://127.0.0.1:${a.port}"\nfingerprint = "${a.service.ready[1]}"\nenabled = true\n`,
        )
        .join("\n"),
    );
    await repo.write("syncs/stacks.toml", SERVERS.map((s) => stackToml(s, "hello")).join(""));
    await repo.write(
      "stacks/app/compose.yaml",
      `services:\n  app:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483647"]\n    environment:\n      GREETING: \${GREETING}\n`,
    );
    await repo.commitAndPush("fleet");
    core = await startTestCore({
      dataDir: join(work.path, "core"),
      syncRepo: repo.remote,
      settings: { agent_build: offered() },
    });
    await waitFor(
      async () => {
        for (const server of SERVERS)
          if ((await core.context.stacks.get(`s-${server}`))?.state !== "running") return false;
        return true;
      },
      { what: "the first deploys", timeoutMs: 120_000 },
    );
    cli = await loggedInCli(join(work.path, "cli"), core.url);
  }, 240_000);

  afterAll(async () => {
    await core?.close();
    for (const agent of agents) await agent.service.stop();
    for (const [i, server] of SERVERS.entries()) await removeProjects(daemonHost(daemons, i), [project(server)]);
    await repo?.cleanup();
    await work?.cleanup();
  });

  it("upgrades every agent, one at a time, and loses no deploy queued meanwhile", async () => {
    expect(await Promise.all(agents.map((a) => health(a.port)))).toEqual([OLD, OLD, OLD]);
    const token = await login(core.url);
    const api = apiClient(
      () => core.url,
      () => token,
    );

    const upgrading = cli(["agent", "upgrade", "--all"]);
    // Once the first host is being upgraded, a push changes every stack: three deploys are queued.
    await waitFor(
      async () => {
        const updates = (await api<Array<{ operation: string }>>("GET", "/api/updates?limit=5")).body;
        return updates.some((u) => u.operation === "agent-upgrade");
      },
      { what: "the upgrade to start" },
    );
    await repo.write("syncs/stacks.toml", SERVERS.map((s) => stackToml(s, "upgraded")).join(""));
    await repo.commitAndPush("new greeting");
    const syncing = api<{ status: string }>("POST", "/api/syncs/root/run", {});

    const upgraded = await upgrading;
    const synced = await syncing;
    expect(upgraded.stderr).toBe("");
    expect(upgraded.exitCode).toBe(0);
    expect(synced.body.status).toBe("applied");

    // One host at a time: each is healthy on the new build before the next one starts.
    const steps = upgraded.stdout
      .split("\n")
      .filter((line) => /^==> (alpha|beta|gamma): (upgrading|healthy)/.test(line));
    expect(steps.map((line) => line.replace(/^==> (\w+): (\w+).*$/, "$1 $2"))).toEqual([
      "alpha upgrading",
      "alpha healthy",
      "beta upgrading",
      "beta healthy",
      "gamma upgrading",
      "gamma healthy",
    ]);
    expect(upgraded.stdout).toContain(`alpha: upgrading ${OLD} → ${NEW}`);
    expect(await Promise.all(agents.map((a) => health(a.port)))).toEqual([NEW, NEW, NEW]);
    for (const agent of agents)
      expect(readFileSync(agent.build.replace(/\.mjs$/, ".previous.mjs"), "utf8")).toContain(`tugboat-agent ${OLD}:`);

    // Every deploy of the push ran and succeeded: the containers have the new value.
    for (const [i, server] of SERVERS.entries()) {
      const stack = await core.context.stacks.get(`s-${server}`);
      expect(stack?.deployedFingerprint).toBe(stack?.desiredFingerprint);
      const docker = ["docker", "-H", daemonHost(daemons, i)];
      const names = await run([
        ...docker,
        "ps",
        "-q",
        "--filter",
        `label=com.docker.compose.project=${project(server)}`,
      ]);
      const inspected = await run([...docker, "inspect", "-f", "{{json .Config.Env}}", names.stdout.trim()]);
      expect(inspected.stdout).toContain("GREETING=upgraded");
    }
    const deploys = (
      await api<Array<{ operation: string; status: string; targetName: string }>>("GET", "/api/updates?limit=50")
    ).body.filter((u) => u.operation === "deploy");
    expect(deploys.filter((u) => u.status === "failed")).toEqual([]);
  }, 300_000);

  it("refuses a build whose bytes do not match the published hash, and the agent keeps running", async () => {
    const corrupt = await bundle("0.1.2-corrupt");
    appendFileSync(corrupt, "\n// changed after its hash was published\n");
    await offer(corrupt);
    const alpha = agents[0] as (typeof agents)[number];
    const result = await cli(["agent", "upgrade", "--server", "alpha"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /the build's SHA-256 is [0-9a-f]{64}, not the published [0-9a-f]{64}: refused; still running 0\.1\.1-upgrade/,
    );
    expect(await health(alpha.port)).toBe(NEW);
    expect(readFileSync(alpha.build, "utf8")).toContain(`tugboat-agent ${NEW}:`);
    expect(readdirSync(join(alpha.build, "..")).filter((f) => f.startsWith(".upload-"))).toEqual([]);
  }, 120_000);

  it("--rollback puts the previous build back", async () => {
    const alpha = agents[0] as (typeof agents)[number];
    const result = await cli(["agent", "upgrade", "--server", "alpha", "--rollback"]);
    expect(result.stdout).toContain("alpha: healthy, runs 0.1.0");
    expect(result.exitCode).toBe(0);
    expect(await health(alpha.port)).toBe(OLD);
    expect(existsSync(alpha.build.replace(/\.mjs$/, ".previous.mjs"))).toBe(false);
  }, 120_000);
});
