// bench/redeploy.ts: a redeploy of a running, unchanged stack (issue 19,
// target 3), warm on both sides: through core's API (POST deploy until the
// update record ends), straight to the agent (its deploy route), and
// `docker-compose up -d` by hand on a copy of the same stack, running too,
// on the same daemon. The record's own times split core's part: queued
// (created → started) and run (started → ended).
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { AgentConfig, startAgent } from "@tugboat/agent";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { dockerEnv, ensureImage, gitRepo, run, startDockerd, tempDir, waitFor } from "@tugboat/testkit";
import { agentCall } from "./agent-process.js";
import { type BenchResult, median, writeResult } from "./result.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PASSKEY = "bench";
const COMPOSE = `services:\n${["web", "worker", "cache"].map((s) => `  ${s}:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483647"]\n    environment:\n      ROLE: ${s}\n`).join("")}`;

export async function benchRedeploy(): Promise<BenchResult> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const daemon = await startDockerd();
    cleanups.push(() => daemon.stop());
    await ensureImage(daemon.dockerHost);
    const dir = await tempDir("tug-bench-redeploy-");
    cleanups.push(dir.cleanup);
    const agent = await startAgent(
      {
        ...AgentConfig.parse({
          port: 0,
          host: "127.0.0.1",
          root: join(dir.path, "agent"),
          docker_host: daemon.dockerHost,
        }),
        passkey: PASSKEY,
      },
      { log: () => {} },
    );
    cleanups.unshift(() => agent.close());
    const repo = await gitRepo();
    cleanups.push(repo.cleanup);
    await repo.write(
      "servers.toml",
      `[[server]]\nname = "h"\n[server.config]\naddress = "${agent.url}"\nfingerprint = "${agent.fingerprint}"\nenabled = true\n`,
    );
    await repo.write(
      "stacks.toml",
      `[[stack]]\nname = "app"\n[stack.config]\nserver = "h"\nproject_name = "app"\nrun_directory = "stacks/app"\n${process.env.BENCH_AUTO_PULL === "0" ? "auto_pull = false\n" : ""}`,
    );
    await repo.write("stacks/app/compose.yaml", COMPOSE);
    const commit = await repo.commitAndPush("one stack");
    const core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: {
          port: 0,
          host: "127.0.0.1",
          data_dir: join(dir.path, "core"),
          sync_repo: repo.remote,
          poll_interval: 3600,
          status_interval: 3600,
          image_check_interval: 0,
          backup_schedule: "off",
          logs: false,
          agent_passkey: PASSKEY,
          init_admin_username: "admin",
          init_admin_password: "bench admin password",
        },
      }),
      { log: () => {} },
    );
    cleanups.unshift(() => core.close());
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", {
      what: "the first deploy",
      timeoutMs: 120_000,
    });
    const login = await fetch(`${core.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "bench admin password" }),
    });
    const token = ((await login.json()) as { token: string }).token;
    const direct = join(dir.path, "direct");
    await cp(join(repo.dir, "stacks/app"), direct, { recursive: true });
    const env = dockerEnv(daemon.dockerHost);
    await run(["docker-compose", "-p", "app-direct", "up", "-d"], { cwd: direct, env });

    const viaApi: number[] = [];
    const queued: number[] = [];
    const ran: number[] = [];
    const viaAgent: number[] = [];
    const byHand: number[] = [];
    const body = { repository: { url: repo.remote }, commit, runDirectory: "stacks/app", projectName: "app" };
    for (let i = 0; i < RUNS; i += 1) {
      let started = performance.now();
      const res = await fetch(`${core.url}/api/stacks/app/deploy`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      const { updateId } = (await res.json()) as { updateId: string };
      const record = await waitFor(
        async () => {
          const update = await core.context.log.store.get(updateId);
          return update && update.status !== "queued" && update.status !== "running" ? update : undefined;
        },
        { what: "the redeploy", timeoutMs: 60_000, intervalMs: 5 },
      );
      viaApi.push(performance.now() - started);
      if (record.status !== "success") throw new Error(`redeploy ended ${record.status}`);
      const at = (iso: string | null) => Date.parse(iso ?? "");
      queued.push(at(record.startedAt) - at(record.createdAt));
      ran.push(at(record.endedAt) - at(record.startedAt));

      started = performance.now();
      const reply = await agentCall(agent.url, PASSKEY, "POST", "/stacks/app/deploy", body);
      viaAgent.push(performance.now() - started);
      if (!reply.includes('"ok":true')) throw new Error(`agent deploy failed: ${reply.slice(-400)}`);

      started = performance.now();
      await run(["docker-compose", "-p", "app-direct", "up", "-d"], { cwd: direct, env });
      byHand.push(performance.now() - started);
    }
    const [api, agentMs, hand] = [median(viaApi), median(viaAgent), median(byHand)];
    return {
      name: "redeploy",
      title: "a redeploy of a running, unchanged 3-service stack, warm",
      command: "npx tsx --conditions=tugboat-source bench/redeploy.ts",
      rows: [
        {
          metric: `docker-compose up -d by hand, stack already running (median of ${RUNS})`,
          value: `${hand.toFixed(0)} ms`,
        },
        { metric: "straight to the agent: its deploy route", value: `${agentMs.toFixed(0)} ms` },
        { metric: "through core: POST deploy until its update record ends", value: `${api.toFixed(0)} ms` },
        { metric: "of which queued in core (created → started)", value: `${median(queued).toFixed(0)} ms` },
        { metric: "of which running (started → ended)", value: `${median(ran).toFixed(0)} ms` },
        {
          metric: "ratio through core / by hand",
          value: `${(api / hand).toFixed(2)}×`,
          goal: "< 1.05",
          ok: api / hand < 1.05,
        },
      ],
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchRedeploy();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
