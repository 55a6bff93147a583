// Issue 16 on a real 3-node swarm (three private dockerds, each in its own
// network namespace): the agent on the manager creates declared networks,
// keeps node labels as declared, deploys with `docker stack deploy` and waits
// for convergence, rotates file configs, and rolls a failing push back.
import type { NetworksApplyResult, NodeLabelsResult, StackStatus, SwarmState } from "@tugboat/protocol";
import { docker, type GitRepo, gitRepo, sharedDaemons, startSwarm, type TestSwarm, waitFor } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
// A secret Tugboat holds, reaching the service as a Swarm secret.
const DB_PASSWORD = "swarm-secret-Qv81xT";

// As in seed 002: the overlay network is created outside the stacks, with a fixed subnet.
const NETWORKS = {
  networks: [{ name: "proxy_traefik", driver: "overlay", subnet: "172.20.20.0/24", attachable: true }],
};

const COMPOSE = `services:
  web:
    image: local/busybox:1
    command: ["sh", "-c", "mkdir -p /w && hostname > /w/index.html && exec httpd -f -p 8080 -h /w"]
    networks: [proxy_traefik]
    environment:
      GREETING: \${GREETING}
    deploy:
      replicas: 2
      placement:
        max_replicas_per_node: 1
  media:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    configs:
      - source: app_conf
        target: /etc/app.conf
    secrets: [db_password]
    deploy:
      placement:
        constraints: [node.labels.media == true]
configs:
  app_conf:
    file: ./app.conf
secrets:
  db_password:
    environment: DB_PASSWORD
networks:
  proxy_traefik:
    external: true
`;

describe.skipIf(daemons.skipReason !== "")("swarm on the agent", () => {
  let swarm: TestSwarm;
  let agent: TestAgent;
  let repo: GitRepo;
  const deploy = (commit: string, extra: Record<string, unknown> = {}) =>
    agent.action("/stacks/media/deploy", {
      repository: { url: repo.remote },
      commit,
      projectName: "media",
      mode: "swarm",
      // A repository cannot steer the CLI: a DOCKER_HOST here would send registry credentials elsewhere.
      environment: `GREETING=hello from git\nDB_PASSWORD=${DB_PASSWORD}\nDOCKER_HOST=tcp://127.0.0.1:9\nPATH=/nonexistent\n`,
      secrets: [DB_PASSWORD],
      timeoutSeconds: 90,
      ...extra,
    });
  const status = async () => (await agent.json<StackStatus>("GET", "/stacks/media/status")).body;
  const taskNode = async (service: string) =>
    (await status()).swarm?.tasks.find(
      (t) => t.service === service && t.desiredState === "running" && t.state === "running",
    )?.node;

  beforeAll(async () => {
    swarm = await startSwarm(["tb-manager", "tb-media", "tb-edge"]);
    agent = await startTestAgent(swarm.manager.dockerHost);
    repo = await gitRepo();
  });
  afterAll(async () => {
    await agent?.stop();
    await repo?.cleanup();
    await swarm?.stop();
  });

  it("creates a declared overlay network once, and says so the second time", async () => {
    const first = await agent.json<NetworksApplyResult>("POST", "/networks/apply", NETWORKS);
    expect(first.body.networks).toEqual([{ name: "proxy_traefik", outcome: "created", detail: "" }]);
    const again = await agent.json<NetworksApplyResult>("POST", "/networks/apply", {
      networks: [{ ...NETWORKS.networks[0], subnet: "172.20.30.0/24" }],
    });
    expect(again.body.networks[0]?.outcome).toBe("differs");
    expect(again.body.networks[0]?.detail).toContain('subnet is "172.20.20.0/24", Git says "172.20.30.0/24"');
    const inspect = await docker(swarm.manager.dockerHost, [
      "network",
      "inspect",
      "-f",
      "{{.Scope}} {{range .IPAM.Config}}{{.Subnet}}{{end}}",
      "proxy_traefik",
    ]);
    expect(inspect.stdout.trim()).toBe("swarm 172.20.20.0/24");
  });

  it("labels nodes as declared, and reports labels it did not set", async () => {
    await docker(swarm.manager.dockerHost, ["node", "update", "--label-add", "rack=a", "tb-edge"]);
    const { body } = await agent.json<NodeLabelsResult>("POST", "/swarm/labels", {
      nodeLabels: { "tb-media": { media: "true" }, "tb-ghost": { media: "true" } },
    });
    expect(body.unknownNodes).toEqual(["tb-ghost"]);
    expect(body.nodes).toEqual(
      expect.arrayContaining([
        { node: "tb-media", set: ["media=true"], removed: [], extra: [] },
        { node: "tb-edge", set: [], removed: [], extra: ["rack"] },
      ]),
    );
  });

  it("deploys with docker stack deploy, interpolated from the stack's environment, and waits for convergence", async () => {
    await repo.write("compose.yaml", COMPOSE);
    await repo.write("app.conf", "version=1\n");
    const commit = await repo.commitAndPush("media v1");
    const { result } = await deploy(commit);
    expect(result?.error).toBeUndefined();
    expect(result?.ok).toBe(true);
    expect(result?.warnings).toEqual([
      "not given to docker stack deploy, as they steer the CLI itself: DOCKER_HOST, PATH",
    ]);
    const state = await status();
    expect(state.swarm?.services.map((s) => [s.service, s.running, s.desired])).toEqual([
      ["media", 1, 1],
      ["web", 2, 2],
    ]);
    expect(await taskNode("media")).toBe("tb-media");
    const task = (await status()).swarm?.tasks.find((t) => t.service === "media" && t.state === "running");
    const secret = await docker(swarm.node("tb-media").dockerHost, [
      "exec",
      task?.containerId ?? "",
      "cat",
      "/run/secrets/db_password",
    ]);
    expect(secret.stdout).toBe(DB_PASSWORD);
    const secrets = await docker(swarm.manager.dockerHost, ["secret", "ls", "--format", "{{.Name}}"]);
    expect(secrets.stdout.trim()).toMatch(/^media_db_password_[0-9a-f]{12}$/);
    const env = await docker(swarm.manager.dockerHost, [
      "service",
      "inspect",
      "-f",
      "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
      "media_web",
    ]);
    expect(env.stdout).toContain("GREETING=hello from git");
  });

  it("a 2-replica service on the overlay answers from both nodes' tasks", async () => {
    const tasks = (await status()).swarm?.tasks.filter((t) => t.service === "web" && t.state === "running") ?? [];
    expect(new Set(tasks.map((t) => t.node)).size).toBe(2);
    const { body } = await agent.json<SwarmState>("GET", "/swarm");
    expect(body.nodes.map((n) => [n.hostname, n.status])).toEqual([
      ["tb-edge", "ready"],
      ["tb-manager", "ready"],
      ["tb-media", "ready"],
    ]);
    // From a container on the third node, through the overlay: each task answers with its own hostname.
    const probe = await docker(swarm.node("tb-edge").dockerHost, [
      "run",
      "--rm",
      "--network",
      "proxy_traefik",
      "local/busybox:1",
      "sh",
      "-c",
      "for ip in $(nslookup tasks.web 2>/dev/null | awk '/^Address/ && NR > 2 { print $NF }'); do printf \"GET / HTTP/1.0\\r\\n\\r\\n\" | nc -w 3 $ip 8080 | tail -1; done",
    ]);
    expect(new Set(probe.stdout.trim().split("\n").filter(Boolean)).size).toBe(2);
  });

  it("moving the label moves the constrained service", async () => {
    await agent.json<NodeLabelsResult>("POST", "/swarm/labels", { nodeLabels: { "tb-edge": { media: "true" } } });
    await waitFor(async () => (await taskNode("media")) === "tb-edge", {
      what: "media to move to tb-edge",
      timeoutMs: 60_000,
    });
    const labels = await docker(swarm.manager.dockerHost, [
      "node",
      "inspect",
      "-f",
      "{{json .Spec.Labels}}",
      "tb-media",
    ]);
    expect(labels.stdout).not.toContain("media");
  });

  it("a changed config file rotates the swarm config, and the old one is removed", async () => {
    const before = (await docker(swarm.manager.dockerHost, ["config", "ls", "--format", "{{.Name}}"])).stdout.trim();
    await repo.write("app.conf", "version=2\n");
    const commit = await repo.commitAndPush("media config v2");
    const { result, events } = await deploy(commit);
    expect(result?.ok).toBe(true);
    expect(JSON.stringify(events)).not.toContain("in use");
    const after = (await docker(swarm.manager.dockerHost, ["config", "ls", "--format", "{{.Name}}"])).stdout.trim();
    expect(after).toMatch(/^media_app_conf_[0-9a-f]{12}$/);
    expect(after).not.toBe(before);
  });

  it("a push whose new image fails its healthcheck is rolled back; the old tasks keep serving", async () => {
    const good = (await status()).commit ?? "";
    await repo.write(
      "compose.yaml",
      COMPOSE.replace(
        "    deploy:\n      replicas: 2",
        '    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      retries: 1\n    deploy:\n      replicas: 2',
      ),
    );
    const bad = await repo.commitAndPush("web with a failing healthcheck");
    const { result } = await deploy(bad, { rollback: { commit: good } });
    expect(result?.ok).toBe(false);
    expect(result?.failures.map((f) => f.service)).toEqual(["web"]);
    expect(result?.rolledBack).toMatchObject({ from: bad, to: good, ok: true });
    const state = await status();
    expect(state.commit).toBe(good);
    expect(state.swarm?.services.find((s) => s.service === "web")).toMatchObject({ running: 2, desired: 2 });
  });

  it("down removes the stack (docker stack rm); the declared network outlives it", async () => {
    const { result } = await agent.action("/stacks/media/down", {});
    expect(result?.ok).toBe(true);
    await waitFor(async () => (await status()).swarm?.services.length === 0, { what: "the stack's services to go" });
    const network = await docker(swarm.manager.dockerHost, [
      "network",
      "inspect",
      "-f",
      "{{.Name}} {{.Scope}}",
      "proxy_traefik",
    ]);
    expect(network.stdout.trim()).toBe("proxy_traefik swarm");
    // A local bridge network a standalone server declares, on the same API.
    const local = await agent.json<NetworksApplyResult>("POST", "/networks/apply", {
      networks: [{ name: "proxy", driver: "bridge", subnet: "172.30.0.0/24" }],
    });
    expect(local.body.networks).toEqual([{ name: "proxy", outcome: "created", detail: "" }]);
    const inspect = await docker(swarm.manager.dockerHost, [
      "network",
      "inspect",
      "-f",
      '{{.Driver}} {{.Scope}} {{index .Labels "tugboat.declared"}}',
      "proxy",
    ]);
    expect(inspect.stdout.trim()).toBe("bridge local true");
  });
});
