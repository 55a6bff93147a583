// bench/redeploy.ts: a redeploy of a running, unchanged stack (issue 19,
// target 3), warm on both sides, its image in a real registry on loopback:
// through core's API (POST deploy until the update record ends), straight to
// the agent (its deploy route), and Compose by hand on a copy of the same
// stack, running too, on the same daemon. Two stacks: one on the default
// auto_pull = true (core asks the agent to pull first; by hand that is `pull`
// then `up -d`), one with auto_pull = false (by hand, `up -d`). The agent's
// step events say where its time goes; the record's times split core's part.
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { AgentConfig, startAgent } from "@tugboat/agent";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { dockerEnv, ensureImage, gitRepo, run, startDockerd, startRegistry, tempDir, waitFor } from "@tugboat/testkit";
import { agentCall } from "./agent-process.js";
import { benchSecret } from "./bench-secret.js";
import { type BenchResult, median, writeResult } from "./result.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PASSKEY = benchSecret();
const compose = (image: string) =>
  `services:\n${["web", "worker", "cache"].map((s) => `  ${s}:\n    image: ${image}\n    init: true\n    command: ["sleep", "2147483647"]\n    environment:\n      ROLE: ${s}\n`).join("")}`;

/** Milliseconds between the agent's step events, by step (the last step runs until the result). */
export function stepTimes(ndjson: string): Map<string, number> {
  return stepDurations(
    ndjson
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; step?: string; at?: string }),
  );
}

export function stepDurations(
  events: ReadonlyArray<{ type?: unknown; step?: unknown; at?: unknown }>,
): Map<string, number> {
  const steps = events.flatMap((e) =>
    e.type === "step" && typeof e.at === "string" && typeof e.step === "string" ? [{ step: e.step, at: e.at }] : [],
  );
  const times = new Map<string, number>();
  steps.forEach(({ step, at }, i) => {
    const next = steps[i + 1]?.at;
    if (next) times.set(step, (times.get(step) ?? 0) + Date.parse(next) - Date.parse(at));
  });
  return times;
}

export async function benchRedeploy(): Promise<BenchResult> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const daemon = await startDockerd();
    cleanups.push(() => daemon.stop());
    await ensureImage(daemon.dockerHost);
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    await registry.push("bench/busybox", "1");
    const image = `${registry.host}/bench/busybox:1`;
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
    const stack = (name: string, extra = "") =>
      `[[stack]]\nname = "${name}"\n[stack.config]\nserver = "h"\nrun_directory = "stacks/${name}"\n${extra}`;
    await repo.write("stacks.toml", `${stack("pulling")}\n${stack("local", "auto_pull = false\n")}`);
    await repo.write("stacks/pulling/compose.yaml", compose(image));
    await repo.write("stacks/local/compose.yaml", compose(image));
    const commit = await repo.commitAndPush("two stacks");
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
    const env = dockerEnv(daemon.dockerHost);

    const measure = async (name: string, pull: boolean) => {
      const direct = join(dir.path, `direct-${name}`);
      await cp(join(repo.dir, `stacks/${name}`), direct, { recursive: true });
      const hand = (argv: string[]) => run(["docker-compose", "-p", `${name}-direct`, ...argv], { cwd: direct, env });
      await hand(["up", "-d"]);
      const viaApi: number[] = [];
      const ran: number[] = [];
      const viaAgent: number[] = [];
      const byHand: number[] = [];
      const steps = new Map<string, number[]>();
      const body = {
        repository: { url: repo.remote },
        commit,
        runDirectory: `stacks/${name}`,
        projectName: name,
        pull,
      };
      for (let i = 0; i < RUNS; i += 1) {
        let started = performance.now();
        const res = await fetch(`${core.url}/api/stacks/${name}/deploy`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        });
        const { updateId } = (await res.json()) as { updateId: string };
        const record = await waitFor(
          async () => {
            const update = await core.context.log.store.get(updateId);
            return update && update.status !== "queued" && update.status !== "running" ? update : undefined;
          },
          { what: "the redeploy", timeoutMs: 60_000, intervalMs: 2 },
        );
        viaApi.push(performance.now() - started);
        if (record.status !== "success") throw new Error(`redeploy ended ${record.status}`);
        ran.push(Date.parse(record.endedAt ?? "") - Date.parse(record.startedAt ?? ""));

        started = performance.now();
        const reply = await agentCall(agent.url, PASSKEY, "POST", `/stacks/${name}/deploy`, body);
        viaAgent.push(performance.now() - started);
        if (!reply.includes('"ok":true')) throw new Error(`agent deploy failed: ${reply.slice(-400)}`);
        for (const [step, ms] of stepTimes(reply)) steps.set(step, [...(steps.get(step) ?? []), ms]);

        started = performance.now();
        if (pull) await hand(["pull"]);
        await hand(["up", "-d"]);
        byHand.push(performance.now() - started);
      }
      const stepLine = [...steps].map(([step, times]) => `${step} ${median(times).toFixed(0)}`).join(", ");
      return { api: median(viaApi), ran: median(ran), agent: median(viaAgent), hand: median(byHand), stepLine };
    };
    const pulling = await measure("pulling", true);
    const local = await measure("local", false);
    const rows: BenchResult["rows"] = [];
    for (const [what, m, byHand] of [
      ["auto_pull = true (the default)", pulling, "`docker-compose pull` then `up -d`"],
      ["auto_pull = false", local, "`docker-compose up -d`"],
    ] as const) {
      rows.push(
        { metric: `${what}: ${byHand} by hand, stack running (median of ${RUNS})`, value: `${m.hand.toFixed(0)} ms` },
        { metric: `${what}: straight to the agent, its deploy route`, value: `${m.agent.toFixed(0)} ms` },
        { metric: `${what}: the agent's steps (ms)`, value: m.stepLine },
        {
          metric: `${what}: through core, POST deploy until its update record ends`,
          value: `${m.api.toFixed(0)} ms (running ${m.ran.toFixed(0)})`,
        },
        {
          metric: `${what}: ratio through core / by hand`,
          value: `${(m.api / m.hand).toFixed(2)}×`,
          goal: "< 1.05",
          ok: m.api / m.hand < 1.05,
        },
      );
    }
    return {
      name: "redeploy",
      title: "a redeploy of a running, unchanged 3-service stack, warm, image in a loopback registry",
      command: "npm run bench -- redeploy",
      rows,
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
