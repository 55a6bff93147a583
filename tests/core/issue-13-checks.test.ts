// Issue 13's uptime checks, end to end on a private dockerd with a real agent
// and core: an HTTP check declared by label on a busybox httpd service is
// recorded as uptime; stopping the server side opens CheckFailed after its
// `failures` rounds, and it resolves on recovery. With deploy_gate = "checks",
// a push that leaves the check failing is rolled back.
import type { RunningCore } from "@tugboat/core";
import { daemonHost, docker, freePort, type GitRepo, sharedDaemons } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SoloFleet, startSoloFleet } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const project = (name: string) => `${name}-${suffix}`;

/** busybox httpd in the background (the container lives on without it), answering "up" on / and /health. */
const web = (port: number, serve = true) => `services:
  web:
    image: local/busybox:1
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "mkdir -p /www && echo up > /www/index.html && cp /www/index.html /www/health && ${serve ? "httpd -p 8080 -h /www; " : ""}exec sleep 2147483647"]
    ports:
      - "127.0.0.1:${port}:8080"
    labels:
      tugboat.check.http: "http://127.0.0.1:${port}/health"
      tugboat.check.expect_body: "up"
      tugboat.check.interval: "1s"
      tugboat.check.failures: "2"
`;

interface ChecksBody {
  checks: Array<{
    name: string;
    target: string;
    last: { ok: boolean; detail: string } | null;
    uptime: { day: number | null; week: number | null; month: number | null };
  }>;
  latency: { timestamps: number[]; series: Record<string, Array<number | null>> };
}

describe.skipIf(daemons.skipReason !== "")("uptime checks", () => {
  let host: string;
  let fleet: SoloFleet;
  let core: RunningCore;
  let repo: GitRepo;
  let ports: { plain: number; gated: number };
  const api: SoloFleet["api"] = (...args) => fleet.api(...args);
  const containerOf = async (name: string) =>
    (await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project(name)}`])).stdout.trim();
  const checksOf = async (name: string) => (await api<ChecksBody>("GET", `/api/stacks/${name}/checks`)).body;
  const openChecks = async (name: string) =>
    (await core.context.observability.alerts.list({ status: "open", type: "CheckFailed" })).filter(
      (a) => a.targetName === name,
    );
  const stackToml = (name: string, extra = "") =>
    `[[stack]]\nname = "${name}"\n[stack.config]\nserver = "solo"\nproject_name = "${project(name)}"\nrun_directory = "stacks/${name}"\n${extra}\n`;

  beforeAll(async () => {
    host = daemonHost(daemons, 1);
    ports = { plain: await freePort(), gated: await freePort() };
    fleet = await startSoloFleet({
      dockerHost: host,
      projects: [project("site"), project("gated")],
      files: {
        "syncs/stacks.toml": stackToml("site") + stackToml("gated", 'deploy_gate = "checks"'),
        "stacks/site/compose.yaml": web(ports.plain),
        "stacks/gated/compose.yaml": web(ports.gated),
      },
    });
    ({ core, repo } = fleet);
  });

  afterAll(() => fleet?.close());

  it("records an HTTP check's uptime and latency", async () => {
    await core.pollStatus();
    const { checks, latency } = await checksOf("site");
    expect(checks).toMatchObject([
      {
        name: "web",
        target: `http://127.0.0.1:${ports.plain}/health`,
        last: { ok: true, detail: "200 OK" },
        uptime: { day: 100 },
      },
    ]);
    expect(latency.series.web?.filter((v) => v !== null)).toHaveLength(1);
  });

  it("opens CheckFailed after its failures in a row when the server side stops, and resolves it on recovery", async () => {
    const container = await containerOf("site");
    await docker(host, ["exec", container, "killall", "httpd"]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await core.pollStatus();
    expect((await checksOf("site")).checks[0]?.last).toMatchObject({ ok: false });
    expect(await openChecks("site")).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await core.pollStatus();
    const open = await openChecks("site");
    expect(open).toHaveLength(1);
    expect(open[0]?.message).toContain(`check web (http://127.0.0.1:${ports.plain}/health) fails`);
    await docker(host, ["exec", container, "httpd", "-p", "8080", "-h", "/www"]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await core.pollStatus();
    expect(await openChecks("site")).toEqual([]);
    const { checks } = await checksOf("site");
    expect(checks[0]?.uptime.day).toBeGreaterThan(0);
    expect(checks[0]?.uptime.day).toBeLessThan(100);
  });

  it("resolves the CheckFailed of a check that is no longer declared", async () => {
    const container = await containerOf("site");
    await docker(host, ["exec", container, "killall", "httpd"]);
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await core.pollStatus();
    }
    expect(await openChecks("site")).toHaveLength(1);
    await repo.write("stacks/site/compose.yaml", web(ports.plain).replace(/ {4}labels:\n( {6}tugboat\..*\n)+/, ""));
    await repo.commitAndPush("site: no check any more");
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("applied");
    await core.pollStatus();
    expect(await openChecks("site")).toEqual([]);
    expect((await checksOf("site")).checks).toEqual([]);
  });

  it("with deploy_gate = checks, rolls back a push whose check never passes", async () => {
    const good = (await core.context.stacks.get("gated"))?.deployedCommit;
    await repo.write("stacks/gated/compose.yaml", web(ports.gated, false));
    const bad = await repo.commitAndPush("gated: httpd no longer started");
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("failed");
    const deploy = (await core.context.log.store.list({ targetName: "gated" })).find((u) => u.commit === bad);
    const error = (deploy?.result as { error?: { code: string; message: string } } | undefined)?.error;
    expect(error?.code).toBe("E_ROLLED_BACK");
    expect(error?.message).toContain("check web");
    expect((await core.context.stacks.get("gated"))?.deployedCommit).toBe(good);
    const reply = await fetch(`http://127.0.0.1:${ports.gated}/health`);
    expect(await reply.text()).toBe("up\n");
  });
});
