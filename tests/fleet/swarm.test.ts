// Issue 16, end to end on a real 3-node swarm (three private dockerds in their
// own network namespaces, an agent for each node): seed 002's cluster written
// as a Tugboat repository. Core applies the declared overlay network and node
// labels, deploys the stack through the manager with `docker stack deploy`,
// moves a constrained service when its label moves in Git, and sees a worker
// go down and come back (SwarmNodeDown opens and resolves; the stack
// converges on the other nodes).
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import type { AlertView, StackView, SwarmDetailView, SwarmListItemView } from "@tugboat/protocol";
import {
  browserUnavailableReason,
  docker,
  type GitRepo,
  gitRepo,
  launchBrowser,
  sharedDaemons,
  startSwarm,
  type TempDir,
  type TestSwarm,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, apiClient, login, serverToml, startTestAgent, startTestCore, tugCli } from "../core/fixture.js";

const daemons = sharedDaemons();
const NODES = ["tb-manager", "tb-media", "tb-edge"] as const;
const SCREENSHOTS = new URL("../../test-results/screenshots/", import.meta.url).pathname;

const swarmToml = (mediaNode: string) => `
[[swarm]]
name = "home"
[swarm.config]
# Managers are tried in order: the first one's host is gone.
server_ids = ["tb-gone", "tb-manager"]
node_labels = { "${mediaNode}" = ["media"] }

[[swarm.config.networks]]
name = "proxy_traefik"
driver = "overlay"
subnet = "172.20.20.0/24"
attachable = true

# Pi-hole's macvlan, on one node only (its parent interface and addresses are that node's).
[[swarm.config.networks]]
name = "lan"
driver = "macvlan"
nodes = { "tb-edge" = { parent = "eth0", subnet = "192.168.77.0/24", ip_range = "192.168.77.32/27" } }

[[stack]]
name = "media"
[stack.config]
swarm = "home"
run_directory = "stacks/media"
environment = "GREETING = hello from git"
`;

const COMPOSE = `services:
  jellyfin:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    deploy:
      placement:
        constraints: [node.labels.media == true]
  web:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "echo $$GREETING; exec sleep 2147483647"]
    environment:
      GREETING: \${GREETING}
    networks: [proxy_traefik]
    deploy:
      replicas: 2
      placement:
        max_replicas_per_node: 1
  pihole:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    networks: [lan]
    deploy:
      placement:
        constraints: [node.hostname == tb-edge]
networks:
  proxy_traefik:
    external: true
  lan:
    external: true
`;

describe.skipIf(daemons.skipReason !== "")("swarm fleet: seed 002 as a Tugboat repository", () => {
  let swarm: TestSwarm;
  const agents: RunningAgent[] = [];
  const dirs: TempDir[] = [];
  let repo: GitRepo;
  let core: RunningCore;
  let token = "";
  const api = apiClient(
    () => core.url,
    () => token,
  );
  const detail = async () => (await api<SwarmDetailView>("GET", "/api/swarms/home")).body;
  const nodeOf = async (service: string) =>
    (await detail()).state?.tasks.find(
      (t) => t.service === service && t.desiredState === "running" && t.state === "running",
    )?.node;
  const sync = async () => {
    await core.context.engine.check("root", { trigger: "poll", actor: "test" });
    await core.context.deployer.idle(120_000);
  };

  beforeAll(async () => {
    swarm = await startSwarm(NODES);
    for (const node of swarm.nodes) {
      const dir = await tempDir("tug-swarm-agent-");
      dirs.push(dir);
      agents.push(await startTestAgent({ dockerHost: node.dockerHost, root: dir.path }));
    }
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      NODES.map(
        (name, i) =>
          // A standalone network the edge host's stacks share, as a server declares it.
          serverToml(name, agents[i] as RunningAgent) +
          (name === "tb-edge" ? 'networks = [{ name = "edge-proxy", subnet = "172.31.0.0/24" }]\n' : ""),
      ).join("\n") + serverToml("tb-gone", { url: "https://127.0.0.1:9", fingerprint: "" }),
    );
    await repo.write("syncs/swarm.toml", swarmToml("tb-media"));
    await repo.write("stacks/media/compose.yaml", COMPOSE);
    await repo.commitAndPush("seed 002 as a Tugboat repository");
    const data = await tempDir("tug-swarm-core-");
    dirs.push(data);
    core = await startTestCore({ dataDir: data.path, syncRepo: repo.remote });
    token = await login(core.url);
  });

  afterAll(async () => {
    await core?.close();
    for (const agent of agents) await agent.close();
    await repo?.cleanup();
    await swarm?.stop();
    for (const dir of dirs) await dir.cleanup();
  });

  it("applies the network and labels, deploys through the manager and shows the swarm converged", async () => {
    await waitFor(
      async () => {
        const s = await core.context.syncs.get("root");
        return s?.status === "ok";
      },
      {
        what: "the first sync to apply",
        timeoutMs: 120_000,
      },
    );
    await core.context.deployer.idle(120_000);
    await core.pollStatus();
    const stack = (await api<StackView>("GET", "/api/stacks/media")).body;
    expect(stack.state).toBe("running");
    // Deployed and watched through the second manager: the first does not answer.
    expect(stack.server).toBe("tb-gone");
    expect(stack.spec.swarm).toBe("home");
    // jellyfin 1, web 2, pihole 1.
    expect(stack.replicas).toEqual({ running: 4, desired: 4 });
    const [listed] = (await api<SwarmListItemView[]>("GET", "/api/swarms")).body;
    expect(listed).toMatchObject({
      name: "home",
      health: "healthy",
      manager: "tb-manager",
      nodes: { total: 3, ready: 3, down: 0 },
      services: { total: 3, converged: 3 },
    });
    const view = await detail();
    expect(view.applied?.networks).toEqual([
      { name: "lan-config", outcome: "created", detail: "", where: "tb-edge" },
      { name: "proxy_traefik", outcome: "created", detail: "", where: "tb-manager" },
      { name: "lan", outcome: "created", detail: "", where: "tb-manager" },
    ]);
    expect(view.state?.networks.find((n) => n.name === "lan")).toMatchObject({ driver: "macvlan", scope: "swarm" });
    expect(await nodeOf("pihole")).toBe("tb-edge");
    // The standalone network tb-edge's [[server]] declares, on its own daemon.
    const edgeProxy = await docker(swarm.node("tb-edge").dockerHost, [
      "network",
      "inspect",
      "-f",
      "{{.Driver}} {{range .IPAM.Config}}{{.Subnet}}{{end}}",
      "edge-proxy",
    ]);
    expect(edgeProxy.stdout.trim()).toBe("bridge 172.31.0.0/24");
    expect(view.state?.networks.find((n) => n.name === "proxy_traefik")).toMatchObject({
      scope: "swarm",
      subnet: "172.20.20.0/24",
      declared: true,
    });
    expect(await nodeOf("jellyfin")).toBe("tb-media");
  });

  it.skipIf(browserUnavailableReason() !== undefined)(
    "the Swarms page shows the nodes, services and networks (and the navigation offers it)",
    async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(core.url);
        await page.getByLabel("Username").fill(ADMIN.username);
        await page.getByLabel("Password").fill(ADMIN.password);
        await page.getByRole("button", { name: "Log in" }).click();
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Swarms" }).click();
        const nodes = page.getByRole("table", { name: "nodes of home" });
        await nodes.waitFor();
        expect(await nodes.textContent()).toContain("media=true");
        const services = await page.getByRole("table", { name: "services of home" }).textContent();
        expect(services).toContain("media_web");
        expect(services).toContain("2/2 running");
        expect(await page.getByRole("table", { name: "networks of home" }).textContent()).toContain("172.20.20.0/24");
        await page.screenshot({ path: `${SCREENSHOTS}swarms-desktop.png`, fullPage: true });
        // The stack table shows a swarm stack with its tasks.
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stacks" }).click();
        await expect.poll(() => page.locator("main").textContent()).toContain("4/4 tasks");
        expect(await page.locator("main").textContent()).toContain("swarm home");
      } finally {
        await browser.close();
      }
    },
  );

  it("moving the label in Git moves the constrained service", async () => {
    await repo.write("syncs/swarm.toml", swarmToml("tb-edge"));
    await repo.commitAndPush("jellyfin moves to tb-edge");
    await sync();
    await waitFor(
      async () => {
        await core.pollStatus();
        return (await nodeOf("jellyfin")) === "tb-edge";
      },
      { what: "jellyfin on tb-edge", timeoutMs: 90_000, intervalMs: 1000 },
    );
    const media = (await detail()).state?.nodes.find((n) => n.hostname === "tb-media");
    expect(media?.labels.media).toBeUndefined();
  });

  it("a worker going down: its tasks run on the others, SwarmNodeDown opens, and resolves when it returns", async () => {
    // tb-media runs no constrained service any more: whatever it ran can run elsewhere.
    const media = swarm.node("tb-media");
    await media.daemon.halt();
    const alertsOf = async (status: string) =>
      (await api<AlertView[]>("GET", `/api/alerts?type=SwarmNodeDown&status=${status}`)).body;
    await waitFor(
      async () => {
        await core.pollStatus();
        const view = await detail();
        return (
          view.state?.nodes.find((n) => n.hostname === "tb-media")?.status === "down" && view.services.converged === 3
        );
      },
      { what: "tb-media down and the stack converged on the other nodes", timeoutMs: 120_000, intervalMs: 2000 },
    );
    expect((await alertsOf("open")).map((a) => a.message)).toEqual([
      expect.stringContaining("node tb-media of swarm home is down"),
    ]);
    await media.daemon.start();
    await waitFor(
      async () => {
        await core.pollStatus();
        return (await alertsOf("open")).length === 0;
      },
      { what: "SwarmNodeDown to resolve", timeoutMs: 120_000, intervalMs: 2000 },
    );
    expect((await alertsOf("resolved")).length).toBe(1);
  });

  it("a service Swarm cannot place makes the stack unhealthy (StackStateChange) until it runs again", async () => {
    const manager = swarm.manager.dockerHost;
    const stackState = async () => (await api<StackView>("GET", "/api/stacks/media")).body.state;
    await docker(manager, ["service", "update", "--detach", "--constraint-add", "node.hostname==nowhere", "media_web"]);
    await waitFor(
      async () => {
        await core.pollStatus();
        return (await stackState()) === "unhealthy";
      },
      { what: "media unhealthy", timeoutMs: 60_000, intervalMs: 1000 },
    );
    await core.pollStatus();
    const open = (await api<AlertView[]>("GET", "/api/alerts?type=StackStateChange&status=open")).body;
    expect(open.map((a) => a.message)).toEqual([
      expect.stringContaining("media (swarm home): media_web: 0/2 tasks running"),
    ]);
    await docker(manager, ["service", "update", "--detach", "--constraint-rm", "node.hostname==nowhere", "media_web"]);
    await waitFor(
      async () => {
        await core.pollStatus();
        return (await stackState()) === "running";
      },
      { what: "media running again", timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect((await api<AlertView[]>("GET", "/api/alerts?type=StackStateChange&status=open")).body).toEqual([]);
  });

  it("restart through core reaches the answering manager and replaces every task", async () => {
    const tasksOf = async () =>
      new Set((await detail()).state?.tasks.filter((t) => t.state === "running").map((t) => t.id));
    await core.pollStatus();
    const before = await tasksOf();
    const { body } = await api<{ updateId: string }>("POST", "/api/stacks/media/restart");
    const update = await waitFor(
      async () => {
        const u = (await api<{ status: string }>("GET", `/api/updates/${body.updateId}`)).body;
        return u.status === "running" || u.status === "queued" ? undefined : u;
      },
      { what: "the restart to end", timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(update.status).toBe("success");
    await waitFor(
      async () => {
        await core.pollStatus();
        const after = await tasksOf();
        return after.size === 4 && [...after].every((id) => !before.has(id));
      },
      { what: "every task replaced", timeoutMs: 120_000, intervalMs: 1000 },
    );
  });

  it("tug ls swarms and tug swarm nodes show the swarm", async () => {
    const config = await tempDir("tug-swarm-cli-");
    dirs.push(config);
    const tug = tugCli(config.path);
    await tug(["login", "--core", core.url, "--username", ADMIN.username, "--password-stdin"], `${ADMIN.password}\n`);
    const ls = await tug(["ls", "swarms"]);
    expect(ls.stdout).toMatch(/home\s+healthy\s+tb-manager\s+3\/3 ready\s+3\/3 converged/);
    const nodes = await tug(["swarm", "nodes", "home"]);
    expect(nodes.exitCode).toBe(0);
    expect(nodes.stdout).toMatch(/tb-edge\s+worker\s+active\s+ready\s+media=true/);
  });
});
