// Core killed in the middle of a deploy: after a restart no stack is stuck in
// `deploying`, the interrupted update is failed, and the next check finishes the job.
import { fileURLToPath } from "node:url";
import type { RunningAgent } from "@tugboat/agent";
import { loadCoreConfig, type RunningCore, startCore } from "@tugboat/core";
import {
  daemonHost,
  type GitRepo,
  gitRepo,
  sharedDaemons,
  startService,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, PASSKEY, removeProjects, serverToml, startTestAgent } from "./fixture.js";

const daemons = sharedDaemons();
const BIN = fileURLToPath(new URL("../../packages/cli/src/bin.ts", import.meta.url));
const PROJECT = `slow-${process.pid}`;

const SLOW = `services:
  slow:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "sleep 6; touch /tmp/ready; exec sleep 2147483647"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
`;

describe.skipIf(daemons.skipReason !== "")("core restart mid-deploy", () => {
  let agent: RunningAgent;
  let repo: GitRepo;
  let agentDir: TempDir;
  let dataDir: TempDir;
  let core: RunningCore | undefined;
  let host: string;

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agentDir = await tempDir("tug-restart-agent-");
    agent = await startTestAgent({ dockerHost: host, root: agentDir.path });
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", serverToml("solo", agent));
    await repo.write(
      "syncs/stacks.toml",
      `[[stack]]\nname = "slow"\n[stack.config]\nserver = "solo"\nproject_name = "${PROJECT}"\nrun_directory = "stacks/slow"\n`,
    );
    await repo.write("stacks/slow/compose.yaml", SLOW);
    await repo.commitAndPush("slow stack");
    dataDir = await tempDir("tug-restart-core-");
  });

  afterAll(async () => {
    await core?.close();
    await agent?.close();
    await removeProjects(host, [PROJECT]);
    await repo?.cleanup();
    await agentDir?.cleanup();
    await dataDir?.cleanup();
  });

  it("leaves no stack in deploying and completes the deploy after a restart", async () => {
    const env = {
      ...process.env,
      TUG_PORT: "0",
      TUG_HOST: "127.0.0.1",
      TUG_DATA_DIR: dataDir.path,
      TUG_SYNC_REPO: repo.remote,
      TUG_POLL_INTERVAL: "3600",
      TUG_STATUS_INTERVAL: "3600",
      TUG_AGENT_PASSKEY: PASSKEY,
      TUG_INIT_ADMIN_USERNAME: ADMIN.username,
      TUG_INIT_ADMIN_PASSWORD: ADMIN.password,
    };
    const child = await startService({
      argv: [process.execPath, "--conditions=tugboat-source", "--import", "tsx", BIN, "core"],
      env,
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    });
    const url = child.ready[1] as string;
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const token = ((await login.json()) as { token: string }).token;
    await waitFor(
      async () => {
        const res = await fetch(`${url}/api/stacks/slow`, { headers: { authorization: `Bearer ${token}` } });
        return res.status === 200 && ((await res.json()) as { state: string }).state === "deploying";
      },
      { what: "the slow stack to be deploying", timeoutMs: 60_000 },
    );
    await child.kill();

    core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: {
          port: 0,
          host: "127.0.0.1",
          data_dir: dataDir.path,
          sync_repo: repo.remote,
          poll_interval: 3600,
          status_interval: 3600,
          agent_passkey: PASSKEY,
        },
      }),
      { log: () => {} },
    );
    const ctx = core.context;
    // Right after the restart: nothing stuck, the interrupted record failed and says why.
    const updates = await ctx.log.store.list({ targetName: "slow" });
    expect(updates[updates.length - 1]).toMatchObject({
      operation: "deploy",
      status: "failed",
      result: { error: { code: "E_INTERRUPTED" } },
    });
    // The start-up check redeploys what was never finished.
    await waitFor(async () => (await ctx.stacks.get("slow"))?.deployedFingerprint !== null, {
      what: "the deploy to finish after the restart",
      timeoutMs: 90_000,
    });
    expect((await ctx.stacks.get("slow"))?.state).toBe("running");
    expect((await ctx.syncs.get("root"))?.status).toBe("ok");
  });
});
