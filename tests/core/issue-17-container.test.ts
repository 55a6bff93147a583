// Issue 17, core as a container: the image is built from deploy/docker/Dockerfile
// on a base the testkit makes (no registry), runs under a private dockerd with
// its data volume as an unprivileged user, serves the UI, turns healthy and
// survives `docker restart`. Its repository manages the very stack core runs
// in, with a change that would recreate it: core's container is left alone.
import { chmod, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningAgent } from "@tugboat/agent";
import {
  daemonHost,
  docker,
  ensureNodeImage,
  freePort,
  type GitRepo,
  gitRepo,
  run,
  sharedDaemons,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, apiClient, login, PASSKEY, removeProjects, serverToml, startTestAgent } from "./fixture.js";

const daemons = sharedDaemons();
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const IMAGE = "local/tugboat-core:test";
const PROJECT = `tugcore-${process.pid}`;

/** Core's own stack, as its operator keeps it in the fleet repository (host network: it reaches the agent on loopback). */
function coreCompose(port: number, repo: string, extra = ""): string {
  return `services:
  core:
    image: ${IMAGE}
    init: true
    restart: unless-stopped
    network_mode: host
    environment:
      TUG_PORT: "${port}"
      TUG_HOST: 127.0.0.1
      TUG_SYNC_REPO: ${repo}
      TUG_AGENT_PASSKEY: ${PASSKEY}
      TUG_INIT_ADMIN_USERNAME: ${ADMIN.username}
      TUG_INIT_ADMIN_PASSWORD: ${ADMIN.password}
      TUG_POLL_INTERVAL: "3600"
      # The test's repository is a folder owned by root: git's ownership check would refuse it.
      GIT_CONFIG_GLOBAL: ${repo}.gitconfig${extra}
    healthcheck:
      test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:${port}/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
      interval: 2s
      start_period: 60s
    volumes:
      - data:/data
      - ${repo}:${repo}:ro
      - ${repo}.gitconfig:${repo}.gitconfig:ro
volumes:
  data:
`;
}

describe.skipIf(daemons.skipReason !== "")("core as a container", () => {
  let host: string;
  let work: TempDir;
  let agent: RunningAgent;
  let repo: GitRepo;
  let port: number;
  const compose = (args: string[]) =>
    run(["docker-compose", "-H", host, "-p", PROJECT, "-f", join(work.path, "compose.yaml"), ...args]);
  const coreContainer = async () =>
    (
      await docker(host, ["ps", "-aq", "--no-trunc", "--filter", `label=com.docker.compose.project=${PROJECT}`])
    ).stdout.trim();
  const inspect = async (format: string) =>
    (await docker(host, ["inspect", "-f", format, await coreContainer()])).stdout.trim();
  const healthy = () =>
    waitFor(async () => (await inspect("{{.State.Health.Status}}")) === "healthy", {
      what: "core's container to be healthy",
      timeoutMs: 90_000,
    });

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    work = await tempDir("tug-container-");
    const context = join(work.path, "context");
    await run([process.execPath, join(ROOT, "scripts/stage-core.mjs"), context]);
    // The image needs the libraries of the native modules it ships, besides node's and git's.
    const native = (await run(["find", context, "-name", "*.node", "-type", "f"])).stdout.split("\n").filter(Boolean);
    const base = await ensureNodeImage(host, native);
    await docker(host, [
      "build",
      "-q",
      "-t",
      IMAGE,
      "--build-arg",
      `BASE=${base}`,
      "--build-arg",
      "PACKAGES=",
      context,
    ]);

    agent = await startTestAgent({ dockerHost: host, root: join(work.path, "agent") });
    repo = await gitRepo();
    port = await freePort();
    await repo.write("syncs/servers.toml", serverToml("home", agent));
    await repo.write(
      "syncs/stacks.toml",
      `[[stack]]\nname = "tugboat"\n[stack.config]\nserver = "home"\nproject_name = "${PROJECT}"\nrun_directory = "stacks/tugboat"\n`,
    );
    // What Git says differs from what runs (one more variable): a deploy would recreate core.
    await repo.write("stacks/tugboat/compose.yaml", coreCompose(port, repo.remote, '\n      FROM_GIT: "yes"'));
    await repo.commitAndPush("core manages itself");
    // Core runs as uid 10001 and reads the (root-owned) repository through a bind mount.
    await run(["chmod", "-R", "a+rX", dirname(repo.remote)]);
    await writeFile(`${repo.remote}.gitconfig`, "[safe]\n\tdirectory = *\n", { mode: 0o644 });
    await chmod(work.path, 0o755);
    await writeFile(join(work.path, "compose.yaml"), coreCompose(port, repo.remote));
    await compose(["up", "-d"]);
  }, 300_000);

  afterAll(async () => {
    await compose(["down", "-v"]).catch(() => undefined);
    await agent?.close();
    await removeProjects(host, [PROJECT]);
    await repo?.cleanup();
    await work?.cleanup();
  });

  it("ships a compose.yaml that Compose reads, core and the optional PostgreSQL", async () => {
    const file = join(ROOT, "deploy/docker/compose.yaml");
    const env = { ...process.env, POSTGRES_PASSWORD: "x" };
    const services = await run(["docker-compose", "-f", file, "--profile", "postgres", "config", "--services"], {
      env,
    });
    expect(services.stdout.split("\n").filter(Boolean).sort()).toEqual(["core", "postgres"]);
    const core = await run(["docker-compose", "-f", file, "config"], { env });
    expect(core.stdout).toContain("tugboat-data:/data");
  });

  it("runs as an unprivileged user, serves the UI and the API, and turns healthy", async () => {
    await healthy();
    expect(await inspect("{{.Config.User}}")).toBe("10001:10001");
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toContain("<title>Tugboat</title>");
    expect(await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()).toMatchObject({ status: "ok" });
  }, 120_000);

  it("leaves its own container alone when its sync deploys the stack it runs in", async () => {
    await healthy();
    const id = await coreContainer();
    const started = await inspect("{{.State.StartedAt}}");
    const token = await login(`http://127.0.0.1:${port}`);
    const api = apiClient(
      () => `http://127.0.0.1:${port}`,
      () => token,
    );
    await waitFor(
      async () => (await api<Array<{ name: string; status: string }>>("GET", "/api/syncs")).body[0]?.status === "ok",
      { what: "the sync to apply", timeoutMs: 120_000 },
    );
    const updates = (
      await api<Array<{ id: string; operation: string; status: string }>>("GET", "/api/updates?target=tugboat")
    ).body;
    const deploy = updates.find((u) => u.operation === "deploy");
    expect(deploy?.status).toBe("success");
    const events = (await api<{ events: Array<{ event: { line?: string } }> }>("GET", `/api/updates/${deploy?.id}`))
      .body;
    expect(JSON.stringify(events)).toContain("leaving core alone");
    expect(await coreContainer()).toBe(id);
    expect(await inspect("{{.State.StartedAt}}")).toBe(started);
    expect(await inspect("{{range .Config.Env}}{{println .}}{{end}}")).not.toContain("FROM_GIT");
    const logs = await docker(host, ["logs", id]);
    expect(logs.stdout + logs.stderr).toContain(`core runs in container ${id.slice(0, 12)}`);
  }, 180_000);

  it("survives docker restart with its state", async () => {
    await docker(host, ["restart", await coreContainer()]);
    await healthy();
    const token = await login(`http://127.0.0.1:${port}`);
    const syncs = await apiClient(
      () => `http://127.0.0.1:${port}`,
      () => token,
    )<Array<{ name: string; status: string }>>("GET", "/api/syncs");
    expect(syncs.body).toEqual([expect.objectContaining({ name: "root", status: "ok" })]);
  }, 120_000);
});
