// The fleet acceptance suite: three private dockerds with an agent each, one
// core, and a 7-server, 32-stack repository. Core and agents run as real
// processes (`tug core`, `tug agent`) so they can be killed mid-deploy. One
// host (concord) runs its agent outbound in every scenario: it dials core's
// agent link, and everything core does to it goes through that link.
// Every scenario asserts on containers, update records and alerts. The last
// adds 100 stacks sharing 5 images from a real registry and counts, in its
// access log, the manifest requests of an image check round.
import {
  docker,
  dockerUnavailableReason,
  ensureImage,
  type GitRepo,
  gitRepo,
  type PrivateDockerd,
  startDockerd,
  startRegistry,
  type TestRegistry,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  compose,
  MOUNTS_SHARED,
  REACHABLE,
  SELF_HEALING,
  SHARED_FILE,
  stacksToml,
  UNREACHABLE,
  writeFleet,
} from "./fleet-repo.js";
import { type FleetHarness, startHarness } from "./harness.js";

const skip = dockerUnavailableReason();

describe.skipIf(skip !== undefined)("fleet acceptance", () => {
  let daemons: PrivateDockerd[] = [];
  let repo: GitRepo;
  let fleet: FleetHarness;
  let registry: TestRegistry | undefined;
  const id = Math.random().toString(16).slice(2, 6);
  const project = (stack: string) => `${stack}-f${id}`;
  let stacks: Awaited<ReturnType<typeof writeFleet>>;
  const hostOf = (server: string) => daemons[REACHABLE.indexOf(server as (typeof REACHABLE)[number])]?.dockerHost ?? "";
  const reachableStacks = () => stacks.filter((s) => (REACHABLE as readonly string[]).includes(s.server));

  /** Pushes a commit and tells core through a signed GitHub webhook; resolves when the sync of it has finished. */
  const pushAndSync = async (message: string, timeoutMs?: number) => {
    const commit = await repo.commitAndPush(message);
    await fleet.webhook(commit);
    return fleet.syncFinished(commit, timeoutMs);
  };

  beforeAll(async () => {
    daemons = await Promise.all(REACHABLE.map(() => startDockerd()));
    await Promise.all(daemons.map((d) => ensureImage(d.dockerHost)));
    repo = await gitRepo();
    fleet = await startHarness({ daemons, repo, writeFleet: (addresses) => writeFleet(repo, { addresses, project }) });
    stacks = fleet.stacks;
  }, 400_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== "fail" || !fleet) return;
    // What core recorded when a test failed, for whoever reads the failure.
    const read = (path: string) => fleet.api("GET", path).catch((error: unknown) => String(error));
    console.error(
      `core's syncs:\n${JSON.stringify(await read("/api/syncs"))}\ncore's last updates:\n${JSON.stringify(await read("/api/updates?limit=8"), null, 1)}`,
    );
  });

  afterAll(async () => {
    await fleet?.stop();
    await registry?.stop();
    await Promise.all(daemons.map((d) => d.stop()));
    await repo?.cleanup();
  });

  it("first deploy: every stack of a reachable server runs on its own daemon, with its host's environment", async () => {
    await fleet.syncFinished(fleet.firstCommit);
    for (const stack of reachableStacks()) {
      const [container] = await fleet.containers(hostOf(stack.server), project(stack.name));
      expect(container?.state, `${stack.name} on ${stack.server}`).toBe("running");
      // Not on any other daemon.
      for (const other of REACHABLE.filter((h) => h !== stack.server))
        expect(await fleet.containers(hostOf(other), project(stack.name))).toEqual([]);
    }
    for (const host of REACHABLE) {
      const env = await fleet.env(hostOf(host), project(`node-exporter-${host}`));
      expect(env).toContain(`HOST_LABEL=${host}`);
    }
    expect(await fleet.env(hostOf("concord"), project("grafana"))).toContain("TZ=America/Chicago");
    const deploys = await fleet.deploys();
    for (const stack of reachableStacks())
      expect(
        deploys.filter((d) => d.targetName === stack.name && d.status === "success"),
        stack.name,
      ).toHaveLength(1);
    // `after` across hosts: immich (atlantis) started once authentik (calypso) had finished.
    const [authentik] = deploys.filter((d) => d.targetName === "authentik");
    const [immich] = deploys.filter((d) => d.targetName === "immich");
    expect(Date.parse(immich?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(authentik?.endedAt ?? ""));
  });

  it("an unreachable host fails only its own stacks and raises one alert per server", async () => {
    const deploys = await fleet.deploys();
    for (const name of ["uptime-kuma-setillo", "wireguard-contabo"]) {
      const mine = deploys.filter((d) => d.targetName === name);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((d) => d.status === "failed" && d.result?.error?.code === "E_AGENT_UNREACHABLE")).toBe(true);
    }
    const alerts = await waitFor(
      async () => {
        const open = (await fleet.alerts("status=open&type=ServerUnreachable")).map((a) => a.targetName).sort();
        return open.length === UNREACHABLE.length ? open : undefined;
      },
      { what: "an unreachable alert per unreachable server", timeoutMs: 60_000 },
    );
    expect(alerts).toEqual([...UNREACHABLE].sort());
  });

  it("a one-stack change redeploys that stack alone", async () => {
    const before = await fleet.containerIds(reachableStacks().map((s) => [hostOf(s.server), project(s.name)]));
    const since = Date.now();
    await repo.write("syncs/stacks.toml", stacksToml(stacks, project, { linkding: "BUILD=2" }));
    await pushAndSync("linkding: new build");
    const after = await fleet.containerIds(reachableStacks().map((s) => [hostOf(s.server), project(s.name)]));
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    expect(changed).toEqual([project("linkding")]);
    expect(await fleet.env(hostOf("atlantis"), project("linkding"))).toContain("BUILD=2");
    const newDeploys = (await fleet.deploys()).filter(
      (d) => Date.parse(d.createdAt) >= since && !UNREACHABLE_STACKS.includes(d.targetName),
    );
    expect(newDeploys.map((d) => d.targetName)).toEqual(["linkding"]);
  });

  it("a change to the shared config file redeploys exactly the stacks that mount it, which see the new content", async () => {
    const since = Date.now();
    await repo.write(SHARED_FILE, "-----BEGIN CERTIFICATE-----\nversion 2\n-----END CERTIFICATE-----\n");
    await pushAndSync("rotate the CA");
    const redeployed = (await fleet.deploys())
      .filter((d) => Date.parse(d.createdAt) >= since && !UNREACHABLE_STACKS.includes(d.targetName))
      .map((d) => d.targetName)
      .sort();
    expect(redeployed).toEqual([...MOUNTS_SHARED].sort());
    for (const name of MOUNTS_SHARED) {
      const server = stacks.find((s) => s.name === name)?.server ?? "";
      expect(await fleet.exec(hostOf(server), project(name), ["cat", "/etc/ssl/tug-ca.pem"])).toContain("version 2");
    }
  });

  it("an invalid push changes nothing, says where the error is, and alerts until fixed", async () => {
    const ids = await fleet.containerIds(reachableStacks().map((s) => [hostOf(s.server), project(s.name)]));
    const good = await repo.git(["rev-parse", "HEAD"]);
    const broken = stacksToml(stacks, project).replace('server = "concord"', 'server = "concrod"');
    await repo.write("syncs/stacks.toml", broken);
    const bad = (await pushAndSync("typo in a server name")).commit;
    const sync = await fleet.sync();
    expect(sync).toMatchObject({ status: "invalid", headCommit: bad, appliedCommit: good });
    expect(sync.errors[0]).toMatchObject({ file: "syncs/stacks.toml", code: "E_UNKNOWN_SERVER" });
    expect(await fleet.containerIds(reachableStacks().map((s) => [hostOf(s.server), project(s.name)]))).toEqual(ids);
    const [alert] = await fleet.alerts("status=open&type=ResourceSyncFailed");
    expect(alert?.message).toMatch(/syncs\/stacks\.toml:\d+/);

    await repo.write("syncs/stacks.toml", stacksToml(stacks, project, { linkding: "BUILD=2" }));
    await pushAndSync("fix the typo");
    expect((await fleet.alerts("type=ResourceSyncFailed")).map((a) => a.status)).toEqual(["resolved"]);
  });

  it("a stack stopped through Tugboat stays stopped through a later sync", async () => {
    await fleet.api("POST", "/api/stacks/jellyfin/stop");
    await waitFor(
      async () =>
        (await fleet.containers(hostOf("atlantis"), project("jellyfin")))[0]?.state === "exited" ? true : undefined,
      { what: "jellyfin to stop", timeoutMs: 60_000 },
    );
    await repo.write("syncs/stacks.toml", stacksToml(stacks, project, { linkding: "BUILD=3" }));
    await pushAndSync("unrelated change");
    expect((await fleet.containers(hostOf("atlantis"), project("jellyfin")))[0]?.state).toBe("exited");
    expect((await fleet.api<{ stopped: boolean }>("GET", "/api/stacks/jellyfin")).stopped).toBe(true);
    expect((await fleet.alerts("status=open&type=StackStateChange")).map((a) => a.targetName)).not.toContain(
      "jellyfin",
    );
  });

  it("drift and heal: a container removed by hand is back within two status rounds, at the same commit", async () => {
    const host = hostOf("calypso");
    const [before] = await fleet.containers(host, project(SELF_HEALING));
    const deployed = (await fleet.stack(SELF_HEALING)).deployedCommit;
    await docker(host, ["rm", "-f", before?.id ?? ""]);
    // Status rounds are 2 s apart here: a new container within two rounds and the heal's time.
    const [healed] = await waitFor(
      async () => {
        const now = await fleet.containers(host, project(SELF_HEALING));
        return now[0]?.state === "running" && now[0].id !== before?.id ? now : undefined;
      },
      { what: `${SELF_HEALING} healed`, timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(healed).toBeDefined();
    const heals = (await fleet.updates(SELF_HEALING)).filter((u) => u.trigger === "self-heal");
    expect(heals.map((u) => [u.operation, u.commit])).toEqual([["heal", deployed]]);
    await waitFor(async () => ((await fleet.stack(SELF_HEALING)).drift === null ? true : undefined), {
      what: "the drift cleared",
      timeoutMs: 10_000,
    });
    // A stack without self_heal stays drifted, and says so.
    const [other] = await fleet.containers(hostOf("calypso"), project("adguard"));
    await docker(hostOf("calypso"), ["rm", "-f", other?.id ?? ""]);
    // A round may see the container while Docker still removes it ("not-running": removing); the next sees it gone.
    const missing = [{ kind: "missing", service: "app", message: "app: its container is missing" }];
    const drift = await waitFor(
      async () => {
        const now = (await fleet.stack("adguard")).drift;
        return now?.[0]?.kind === "missing" ? now : undefined;
      },
      { what: "adguard drifted: its container missing", timeoutMs: 10_000 },
    );
    expect(drift).toEqual(missing);
    await fleet.api("POST", "/api/stacks/adguard/deploy");
    await waitFor(async () => ((await fleet.stack("adguard")).drift === null ? true : undefined), {
      what: "adguard deployed again",
      timeoutMs: 60_000,
    });
  });

  it("rollback: a push whose healthcheck fails is rolled back in its own record and not retried", async () => {
    const homepage = stacks.find((s) => s.name === "homepage");
    if (!homepage) throw new Error("no homepage stack");
    const good = (await fleet.stack("homepage")).deployedCommit;
    await repo.write(`stacks/${homepage.dir}/compose.yaml`, compose(homepage, { healthy: false }));
    const bad = (await pushAndSync("homepage: a release whose healthcheck fails")).commit;
    const [deploy] = await fleet.deploys("homepage");
    expect(deploy).toMatchObject({ commit: bad, status: "failed", result: { error: { code: "E_ROLLED_BACK" } } });
    expect(deploy?.result?.error?.message).toMatch(/^rolled back from [0-9a-f]{7} to [0-9a-f]{7}: app: unhealthy/);
    expect(await fleet.stack("homepage")).toMatchObject({
      deployedCommit: good,
      quarantine: { commit: bad, rolledBackTo: good },
    });
    const [container] = await fleet.containers(hostOf("concord"), project("homepage"));
    expect(container?.state).toBe("running");
    expect(await fleet.env(hostOf("concord"), project("homepage"))).not.toContain("RELEASE=broken");
    // Another push, and a sync run by hand: homepage's quarantined version is not tried again.
    const attempts = (await fleet.deploys("homepage")).length;
    await repo.write("README.md", "# the fleet, with a note\n");
    await pushAndSync("a note");
    await fleet.api("POST", "/api/syncs/root/run");
    expect((await fleet.deploys("homepage")).length).toBe(attempts);
    expect((await fleet.alerts("status=open&type=StackRolledBack")).map((a) => a.targetName)).toEqual(["homepage"]);
    // The fix deploys normally and ends the quarantine.
    await repo.write(`stacks/${homepage.dir}/compose.yaml`, compose(homepage));
    const fixed = (await pushAndSync("homepage: fixed")).commit;
    expect(await fleet.stack("homepage")).toMatchObject({ deployedCommit: fixed, quarantine: null });
    expect((await fleet.alerts("status=open&type=StackRolledBack")).map((a) => a.targetName)).toEqual([]);
  });

  it("a webhook storm (50 pushes in 10 s) ends in the last commit's state without duplicate deploys", async () => {
    const since = Date.now();
    let last = "";
    for (let n = 1; n <= 50; n += 1) {
      await repo.write(
        "syncs/stacks.toml",
        stacksToml(stacks, project, { linkding: "BUILD=3", freshrss: `BUILD=${n}` }),
      );
      last = await repo.commitAndPush(`freshrss build ${n}`);
      await fleet.webhook(last);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await fleet.syncFinished(last);
    expect(await fleet.env(hostOf("atlantis"), project("freshrss"))).toContain("BUILD=50");
    const storm = (await fleet.deploys()).filter(
      (d) => Date.parse(d.createdAt) >= since && !UNREACHABLE_STACKS.includes(d.targetName),
    );
    expect(new Set(storm.map((d) => d.targetName))).toEqual(new Set(["freshrss"]));
    // Coalesced: fewer deploys than pushes, never the same commit twice, the last one at the last push.
    expect(storm.length).toBeLessThan(50);
    expect(new Set(storm.map((d) => d.commit)).size).toBe(storm.length);
    expect(storm[0]).toMatchObject({ commit: last, status: "success" });
    expect(await fleet.containers(hostOf("atlantis"), project("freshrss"))).toHaveLength(1);
  });

  it("core killed mid-deploy: the interrupted update is failed and the restarted core finishes the job", async () => {
    await repo.write("syncs/stacks.toml", stacksToml(stacks, project, { ...STORM_END, backup: "BUILD=2" }));
    const commit = await repo.commitAndPush("backup: new build");
    await fleet.webhook(commit);
    await waitFor(async () => ((await fleet.stack("backup")).state === "deploying" ? true : undefined), {
      what: "backup to be deploying",
      timeoutMs: 60_000,
    });
    await fleet.restartCore({ kill: true });
    const deploys = await fleet.deploys("backup");
    expect(deploys.some((d) => d.status === "failed" && d.result?.error?.code === "E_INTERRUPTED")).toBe(true);
    await waitFor(
      async () => {
        const stack = await fleet.stack("backup");
        return stack.deployedCommit === commit && stack.desiredFingerprint === stack.deployedFingerprint
          ? true
          : undefined;
      },
      { what: "the restarted core to finish the backup deploy", timeoutMs: 120_000 },
    );
    expect(await fleet.env(hostOf("calypso"), project("backup"))).toContain("BUILD=2");
    expect(await fleet.containers(hostOf("calypso"), project("backup"))).toHaveLength(1);
  });

  it("agent killed mid-deploy: the deploy fails as unreachable, and the next check deploys once the agent is back", async () => {
    await repo.write(
      "syncs/stacks.toml",
      stacksToml(stacks, project, { ...STORM_END, backup: "BUILD=2", scrutiny: "BUILD=2" }),
    );
    const commit = await repo.commitAndPush("scrutiny: new build");
    await fleet.webhook(commit);
    await waitFor(async () => ((await fleet.stack("scrutiny")).state === "deploying" ? true : undefined), {
      what: "scrutiny to be deploying",
      timeoutMs: 60_000,
    });
    await fleet.restartAgent("concord", { afterKill: () => fleet.syncFinished(commit) });
    const failed = (await fleet.deploys("scrutiny")).find((d) => d.commit === commit);
    expect(failed).toMatchObject({ status: "failed", result: { error: { code: "E_AGENT_UNREACHABLE" } } });
    await fleet.api("POST", "/api/syncs/root/run");
    await waitFor(async () => ((await fleet.stack("scrutiny")).deployedCommit === commit ? true : undefined), {
      what: "scrutiny deployed after the agent came back",
      timeoutMs: 120_000,
    });
    expect(await fleet.env(hostOf("concord"), project("scrutiny"))).toContain("BUILD=2");
    expect(await fleet.containers(hostOf("concord"), project("scrutiny"))).toHaveLength(1);
  });

  it("dockerd restart: containers come back (the stopped one stays stopped) and core sees them running", async () => {
    await daemons[0]?.restart();
    await waitFor(
      async () => {
        const states = await Promise.all(
          stacks
            .filter((s) => s.server === "atlantis")
            .map(async (s) => [s.name, (await fleet.stack(s.name)).state] as const),
        );
        return states.every(([name, state]) => state === (name === "jellyfin" ? "stopped" : "running"))
          ? states
          : undefined;
      },
      { what: "atlantis's stacks back to running in core", timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect((await fleet.containers(hostOf("atlantis"), project("jellyfin")))[0]?.state).toBe("exited");
    expect((await fleet.alerts("status=open&type=ServerUnreachable")).map((a) => a.targetName)).not.toContain(
      "atlantis",
    );
  });
  it("image checks: 100 stacks over 3 hosts sharing 5 images cost 5 manifest requests a round", async () => {
    const shared = await startRegistry();
    registry = shared;
    const IMAGES = 5;
    for (let i = 0; i < IMAGES; i++) await shared.push(`team/shared-${i}`, "1", { labels: { v: "1" } });
    const toml: string[] = [];
    for (let k = 0; k < 100; k++)
      toml.push(
        `[[stack]]\nname = "img-${k}"\n[stack.config]\nserver = "${REACHABLE[k % REACHABLE.length]}"\nproject_name = "${project(`img-${k}`)}"\nrun_directory = "stacks/images/shared-${k % IMAGES}"\npoll_for_updates = true\n`,
      );
    await repo.write("syncs/stacks-images.toml", toml.join("\n"));
    for (let i = 0; i < IMAGES; i++)
      await repo.write(
        `stacks/images/shared-${i}/compose.yaml`,
        `services:\n  app:\n    image: ${shared.host}/team/shared-${i}:1\n    init: true\n    command: ["sleep", "2147483647"]\n`,
      );
    // 100 deploys, each a pull and an up through docker-compose (Python): minutes on a 2-core host.
    const { commit } = await pushAndSync("100 stacks on 5 shared images", 360_000);
    await waitFor(
      async () => {
        const rows = await fleet.api<Array<{ name: string; deployedCommit: string | null }>>("GET", "/api/stacks");
        return rows.filter((s) => s.name.startsWith("img-") && s.deployedCommit === commit).length === 100;
      },
      { what: "the 100 image stacks deployed", timeoutMs: 300_000, intervalMs: 1000 },
    );
    const round = async () => {
      const before = shared.requests().length;
      const reply = await fleet.api<{ stacks: number; images: number; updateAvailable: number }>(
        "POST",
        "/api/images/check",
      );
      await shared.quiet();
      const manifests = shared
        .requests()
        .slice(before)
        .filter((r) => r.path.includes("/manifests/"));
      return { reply, manifests: manifests.map((r) => `${r.method} ${r.path}`).sort() };
    };
    const heads = Array.from({ length: IMAGES }, (_, i) => `HEAD /v2/team/shared-${i}/manifests/1`);
    const first = await round();
    expect(first.reply).toMatchObject({ stacks: 100, images: IMAGES, updateAvailable: 0 });
    expect(first.manifests).toEqual(heads);
    await shared.push("team/shared-0", "1", { labels: { v: "2" } });
    const second = await round();
    expect(second.reply).toMatchObject({ stacks: 100, images: IMAGES, updateAvailable: 20 });
    expect(second.manifests).toEqual(heads);
  }, 480_000);
});

const UNREACHABLE_STACKS = ["uptime-kuma-setillo", "wireguard-contabo"];
/** The environment the storm left, kept by the later scenarios so only their own stack changes. */
const STORM_END = { linkding: "BUILD=3", freshrss: "BUILD=50" };
