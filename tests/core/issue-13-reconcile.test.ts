// Issue 13, end to end on a private dockerd with a real agent and core:
// a container removed by hand is drift, healed at the same commit by one
// `self-heal` update; a service recreated by hand with another environment is
// "recreated outside Tugboat" and healed back to Git's version; one that keeps
// failing spends its budget and is held for a person with one StackFlapping
// alert; a push whose service fails its healthcheck is rolled back in the same
// record, stays quarantined through polls, and the next push deploys.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import { daemonHost, docker, type GitRepo, run, sharedDaemons, tempDir, waitFor } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type SoloFleet, soloStackToml, startSoloFleet, tugCli } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const project = (name: string) => `${name}-${suffix}`;

const steady = (greeting: string) => `services:
  app:
    image: local/busybox:1
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "echo \\"$$GREETING\\"; exec sleep 2147483647"]
    environment:
      GREETING: \${GREETING:-${greeting}}
`;
// Exits 1 once /data/broken exists: a service that keeps failing after its deploy succeeded.
const fragile = `services:
  app:
    image: local/busybox:1
    init: true
    restart: "no"
    command: ["sh", "-c", "test -f /data/broken && exit 1; exec sleep 2147483647"]
    volumes:
      - data:/data
volumes:
  data: {}
`;
const gated = (check: string, greeting: string) => `services:
  app:
    image: local/busybox:1
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "echo ${greeting}; exec sleep 2147483647"]
    environment:
      GREETING: ${greeting}
    healthcheck:
      test: ["CMD", "${check}"]
      interval: 1s
      timeout: 1s
      retries: 1
`;

// Healthy while /tmp/ok exists; a restart creates it again.
const sickly = `services:
  app:
    image: local/busybox:1
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "touch /tmp/ok; exec sleep 2147483647"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ok"]
      interval: 1s
      timeout: 1s
      retries: 1
`;

const stackToml = (name: string, extra = "") => soloStackToml(name, project(name), extra);

interface StackBody {
  state: string;
  drift: Array<{ kind: string; message: string }> | null;
  healHold: string | null;
  quarantine: { commit: string; rolledBackTo?: string; reason: string } | null;
  deployedCommit: string | null;
}

describe.skipIf(daemons.skipReason !== "")("keeping the fleet as Git says", () => {
  let host: string;
  let fleet: SoloFleet;
  let core: RunningCore;
  let repo: GitRepo;
  const api: SoloFleet["api"] = (...args) => fleet.api(...args);
  const containerOf = async (name: string) =>
    (await docker(host, ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project(name)}`])).stdout.trim();
  const envOf = async (container: string) =>
    (await docker(host, ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", container])).stdout;
  const stack = async (name: string) => (await api<StackBody>("GET", `/api/stacks/${name}`)).body;
  const updatesOf = async (name: string) => (await core.context.log.store.list({ targetName: name })).reverse();
  /** One status round, then whatever it started (a heal) to its end. */
  const round = async () => {
    await core.pollStatus();
    await core.context.deployer.idle(120_000);
  };
  const openAlerts = async (type: string, name: string) =>
    (await core.context.observability.alerts.list({ status: "open", type })).filter((a) => a.targetName === name);

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    fleet = await startSoloFleet({
      dockerHost: host,
      projects: ["healer", "watched", "fragile", "gated", "sickly"].map(project),
      files: {
        "tugboat.toml": "[reconcile]\nself_heal = true\n",
        "syncs/stacks.toml":
          stackToml("healer") +
          stackToml("watched", "self_heal = false\n") +
          stackToml("fragile") +
          stackToml("gated") +
          stackToml("sickly"),
        "stacks/healer/compose.yaml": steady("from-git"),
        "stacks/watched/compose.yaml": steady("watched"),
        "stacks/fragile/compose.yaml": fragile,
        "stacks/gated/compose.yaml": gated("true", "v1"),
        "stacks/sickly/compose.yaml": sickly,
      },
    });
    ({ core, repo } = fleet);
  });

  afterAll(() => fleet?.close());

  it("names a removed container as drift within one round, and leaves a stack without self_heal drifted", async () => {
    await docker(host, ["rm", "-f", await containerOf("watched")]);
    await round();
    const watched = await stack("watched");
    expect(watched.drift).toEqual([{ kind: "missing", service: "app", message: "app: its container is missing" }]);
    expect((await updatesOf("watched")).filter((u) => u.trigger === "self-heal")).toEqual([]);
    expect(await openAlerts("StackDrifted", "watched")).toHaveLength(1);
    const metrics = await (
      await fetch(`${core.url}/metrics`, { headers: { authorization: `Bearer ${fleet.token}` } })
    ).text();
    expect(metrics).toMatch(/tug_stack_drifted\{stack="watched",server="solo"\} 1/);
    expect(metrics).toMatch(/tug_stack_drifted\{stack="healer",server="solo"\} 0/);
    const config = await tempDir("tug-reconcile-cli-");
    try {
      const tug = tugCli(config.path);
      await tug(["login", "--core", core.url, "--username", ADMIN.username, "--password-stdin"], `${ADMIN.password}\n`);
      const ls = await tug(["ls", "stacks"]);
      expect(ls.stdout, ls.stderr).toMatch(/^watched\s+solo\s+\S+\s+[0-9a-f]{7}\s+drifted$/m);
      expect(ls.stdout).toMatch(/^healer\s+solo\s+running\s+[0-9a-f]{7}\s+in sync$/m);
      const status = await tug(["status", "watched"]);
      expect(status.exitCode).toBe(1);
      expect(status.stdout).toContain("drifted    app: its container is missing");
    } finally {
      await config.cleanup();
    }
  });

  it("heals a removed container at the deployed commit, with one self-heal update", async () => {
    const deployed = (await stack("healer")).deployedCommit;
    await docker(host, ["rm", "-f", await containerOf("healer")]);
    await round();
    const heals = (await updatesOf("healer")).filter((u) => u.trigger === "self-heal");
    expect(heals.map((u) => [u.operation, u.status, u.commit])).toEqual([["heal", "success", deployed]]);
    expect(heals[0]?.reasons[0]).toContain("app: its container is missing");
    const healed = await containerOf("healer");
    expect((await docker(host, ["inspect", "-f", "{{.State.Status}}", healed])).stdout.trim()).toBe("running");
    await round();
    expect((await stack("healer")).drift).toBeNull();
    expect((await updatesOf("healer")).filter((u) => u.trigger === "self-heal")).toHaveLength(1);
    expect(await openAlerts("StackDrifted", "healer")).toEqual([]);
  });

  it("names a service recreated by hand with another environment, and puts Git's version back", async () => {
    const byHand = await tempDir("tug-by-hand-");
    try {
      await writeFile(join(byHand.path, "compose.yaml"), steady("from-git"));
      await run(["docker-compose", "-p", project("healer"), "up", "-d"], {
        cwd: byHand.path,
        env: { DOCKER_HOST: host, GREETING: "edited-by-hand" },
      });
    } finally {
      await byHand.cleanup();
    }
    expect(await envOf(await containerOf("healer"))).toContain("GREETING=edited-by-hand");
    await core.pollStatus();
    const drifted = await core.context.stacks.get("healer");
    expect(drifted?.drift?.map((d) => d.kind)).toContain("recreated");
    await core.context.deployer.idle(120_000);
    expect(await envOf(await containerOf("healer"))).toContain("GREETING=from-git");
    await round();
    expect((await stack("healer")).drift).toBeNull();
  });

  it("restarts a service whose healthcheck failed unhealthy_restart_after (3) times in a row", async () => {
    const container = await containerOf("sickly");
    const startedAt = async () =>
      (await docker(host, ["inspect", "-f", "{{.State.StartedAt}}", container])).stdout.trim();
    const before = await startedAt();
    await docker(host, ["exec", container, "rm", "/tmp/ok"]);
    await waitFor(
      async () =>
        Number((await docker(host, ["inspect", "-f", "{{.State.Health.FailingStreak}}", container])).stdout) >= 3,
      { what: "three failed healthchecks in a row", timeoutMs: 30_000 },
    );
    await round();
    const heals = (await updatesOf("sickly")).filter((u) => u.trigger === "self-heal");
    expect(heals.map((u) => [u.operation, u.status])).toEqual([["restart", "success"]]);
    expect(heals[0]?.reasons).toEqual(["self-heal: app failed 3 healthchecks in a row"]);
    expect(await containerOf("sickly")).toBe(container);
    expect(await startedAt()).not.toBe(before);
    await waitFor(
      async () =>
        (await docker(host, ["inspect", "-f", "{{.State.Health.Status}}", container])).stdout.trim() === "healthy",
      { what: "healthy after the restart" },
    );
  });

  it("holds a service that keeps failing once its budget is spent, with exactly one StackFlapping alert", async () => {
    const container = await containerOf("fragile");
    await docker(host, ["exec", container, "touch", "/data/broken"]);
    await docker(host, ["kill", container]);
    for (let i = 0; i < 5; i++) await round();
    const heals = (await updatesOf("fragile")).filter((u) => u.trigger === "self-heal");
    expect(heals.map((u) => u.status)).toEqual(["failed", "failed", "failed"]);
    const held = await stack("fragile");
    expect(held.healHold).toMatch(/^flapping: 3 heals in 10 minutes/);
    expect(await openAlerts("StackFlapping", "fragile")).toHaveLength(1);
    expect(
      (await core.context.observability.alerts.list({ type: "StackFlapping" })).filter(
        (a) => a.targetName === "fragile",
      ),
    ).toHaveLength(1);
    // A person acts: the hold ends, and the alert resolves on the next round.
    await docker(host, [
      "run",
      "--rm",
      "-v",
      `${project("fragile")}_data:/data`,
      "local/busybox:1",
      "rm",
      "/data/broken",
    ]);
    const restart = await api<{ updateId: string }>("POST", "/api/stacks/fragile/restart");
    expect(restart.status).toBe(202);
    await core.context.deployer.idle(60_000);
    await round();
    expect((await stack("fragile")).healHold).toBeNull();
    expect(await openAlerts("StackFlapping", "fragile")).toEqual([]);
  });

  it("rolls back a push whose service fails its healthcheck, keeps it quarantined, and deploys the next push", async () => {
    const good = (await stack("gated")).deployedCommit;
    await repo.write("stacks/gated/compose.yaml", gated("false", "v2"));
    const bad = await repo.commitAndPush("v2: a healthcheck that fails");
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("failed");
    const deploy = (await updatesOf("gated")).filter((u) => u.operation === "deploy").at(-1);
    const result = deploy?.result as { error?: { code: string; message: string } };
    expect(result.error?.code).toBe("E_ROLLED_BACK");
    expect(result.error?.message).toMatch(
      new RegExp(`^rolled back from ${bad.slice(0, 7)} to ${good?.slice(0, 7)}: app: unhealthy`),
    );
    // What ran before is what runs: v1's environment, healthy.
    const container = await containerOf("gated");
    expect(await envOf(container)).toContain("GREETING=v1");
    await waitFor(
      async () =>
        (await docker(host, ["inspect", "-f", "{{.State.Health.Status}}", container])).stdout.trim() === "healthy",
      { what: "v1 healthy again" },
    );
    const rolled = await stack("gated");
    expect(rolled).toMatchObject({ deployedCommit: good, quarantine: { commit: bad, rolledBackTo: good } });
    expect(await openAlerts("StackRolledBack", "gated")).toHaveLength(1);
    const deploys = async () => (await updatesOf("gated")).filter((u) => u.operation === "deploy").length;
    const before = await deploys();
    for (let i = 0; i < 3; i++)
      await core.context.engine.check("root", { trigger: "poll", actor: "poll" }, { force: true });
    await round();
    expect(await deploys()).toBe(before);
    expect((await stack("gated")).drift).toBeNull();
    await repo.write("stacks/gated/compose.yaml", gated("true", "v3"));
    const fixed = await repo.commitAndPush("v3: fixed");
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("applied");
    expect(await stack("gated")).toMatchObject({ deployedCommit: fixed, quarantine: null });
    expect(await envOf(await containerOf("gated"))).toContain("GREETING=v3");
    expect(await openAlerts("StackRolledBack", "gated")).toEqual([]);
  });
});
