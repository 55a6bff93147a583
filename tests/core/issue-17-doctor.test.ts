// Issue 17, `tug doctor`: a fleet with one agent down and one stack failing
// prints exactly those two fails (every other row ok or warn) and exits 1;
// with the agent back and the stack stopped on purpose it exits 0.
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import { daemonHost, type GitRepo, gitRepo, sharedDaemons, type TempDir, tempDir, waitFor } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiClient,
  loggedInCli,
  login,
  removeProjects,
  serverToml,
  startTestAgent,
  startTestCore,
  type tugCli,
} from "./fixture.js";

const daemons = sharedDaemons();
const id = String(process.pid);
const stack = (name: string, server: string) =>
  `\n[[stack]]\nname = "${name}"\n[stack.config]\nserver = "${server}"\nproject_name = "${name}-${id}"\nrun_directory = "stacks/${name}"\n`;
const APP = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
`;
const SICK = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/never"]
      interval: 1s
      retries: 2
`;

describe.skipIf(daemons.skipReason !== "")("tug doctor", () => {
  let alpha: RunningAgent;
  let beta: RunningAgent;
  let dirs: TempDir[] = [];
  let repo: GitRepo;
  let core: RunningCore;
  let cli: ReturnType<typeof tugCli>;

  beforeAll(async () => {
    dirs = await Promise.all(["alpha", "beta", "core", "cli"].map((n) => tempDir(`tug-doctor-${n}-`)));
    const [alphaDir, betaDir, coreDir, cliDir] = dirs as [TempDir, TempDir, TempDir, TempDir];
    alpha = await startTestAgent({ dockerHost: daemonHost(daemons, 0), root: alphaDir.path });
    beta = await startTestAgent({ dockerHost: daemonHost(daemons, 1), root: betaDir.path });
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", `${serverToml("alpha", alpha)}\n${serverToml("beta", beta)}`);
    await repo.write("syncs/stacks.toml", stack("web", "alpha") + stack("sick", "alpha") + stack("cache", "beta"));
    await repo.write("stacks/web/compose.yaml", APP);
    await repo.write("stacks/sick/compose.yaml", SICK);
    await repo.write("stacks/cache/compose.yaml", APP);
    await repo.commitAndPush("fleet");
    core = await startTestCore({ dataDir: coreDir.path, syncRepo: repo.remote });
    await waitFor(async () => (await core.context.stacks.get("cache"))?.state === "running", {
      what: "the first sync's deploys",
      timeoutMs: 120_000,
    });
    await waitFor(async () => (await core.context.stacks.get("sick"))?.state === "unhealthy", {
      what: "sick to fail its health check",
      timeoutMs: 60_000,
    });
    cli = await loggedInCli(cliDir.path, core.url);
    // A backup through the CLI, so the doctor's backup row is ok.
    const backup = await cli(["backup"]);
    expect(backup.stdout).toMatch(
      /^backup tugboat-\d{8}T\d{6}Z-manual\.tar\.gz: [\d.]+ kB, checked; sha256 [0-9a-f]{64}\n$/,
    );
    const listed = await cli(["backup", "--list"]);
    expect(listed.stdout).toMatch(/tugboat-\S+-manual\.tar\.gz\s+ok\s+[\d.]+ kB\s+daily, weekly, monthly\s+manual/);
    expect(listed.stdout).toContain("7 daily, 4 weekly, 3 monthly; next ");
  }, 240_000);

  afterAll(async () => {
    await core?.close();
    await alpha?.close();
    await beta?.close();
    await removeProjects(daemonHost(daemons, 0), [`web-${id}`, `sick-${id}`]);
    await removeProjects(daemonHost(daemons, 1), [`cache-${id}`]);
    await repo?.cleanup();
    for (const dir of dirs) await dir.cleanup();
  });

  it("prints exactly the down agent and the failing stack as fails, and exits 1", async () => {
    await beta.close();
    const result = await cli(["doctor", "--all"]);
    const fails = result.stdout.split("\n").filter((line) => line.startsWith("FAIL"));
    expect(fails).toHaveLength(2);
    expect(fails[0]).toMatch(
      /^FAIL\s+agent\s+beta\s+unreachable at https:\/\/127\.0\.0\.1:\d+: .*systemctl status tugboat-agent/,
    );
    expect(fails[1]).toMatch(/^FAIL\s+stack\s+sick\s+unhealthy on alpha\s+tug logs sick; then tug deploy sick/);
    // Everything else was looked at and is fine, or only worth a warning.
    for (const check of ["agent", "version", "certificate", "docker", "disk", "clock"])
      expect(result.stdout).toMatch(new RegExp(`^OK\\s+${check}\\s+alpha`, "m"));
    expect(result.stdout).toMatch(/^WARN\s+stack\s+cache\s+on beta, which does not answer/m);
    // The sync applied its commit; sick's failed deploy is the stack's row, not a second fail.
    expect(result.stdout).toMatch(/^WARN\s+sync\s+root\s+applied, but: /m);
    expect(result.stdout).toMatch(/^OK\s+backup\s+core\s+last good backup 0\.0 h ago/m);
    expect(result.stdout).toMatch(/\d+ ok, 2 warn, 2 fail\n$/);
    expect(result.exitCode).toBe(1);

    const json = JSON.parse((await cli(["doctor", "--json"])).stdout) as {
      fail: number;
      rows: Array<{ status: string }>;
    };
    expect(json.fail).toBe(2);
  }, 120_000);

  it("exits 0 once the agent is back and the failing stack is stopped on purpose", async () => {
    const [, betaDir] = dirs as [TempDir, TempDir];
    beta = await startTestAgent({ dockerHost: daemonHost(daemons, 1), root: betaDir.path, port: beta.port });
    const token = await login(core.url);
    expect(
      (
        await apiClient(
          () => core.url,
          () => token,
        )("POST", "/api/stacks/sick/stop", {})
      ).status,
    ).toBe(202);
    await waitFor(async () => (await core.context.stacks.get("sick"))?.stopped === true, { what: "sick stopped" });
    const result = await cli(["doctor"]);
    expect(result.stdout).not.toMatch(/^FAIL/m);
    expect(result.exitCode).toBe(0);
  }, 120_000);
});
