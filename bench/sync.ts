// bench/sync.ts: a 40-stack, 3-host fleet. (1) A sync where nothing relevant
// changed, against the hand-made script (git pull, then docker-compose up -d
// in every stack folder, hosts in parallel). (2) Webhook-to-running latency
// of a one-stack change, against the raw docker-compose up -d of that stack.
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { AgentConfig, startAgent } from "@tugboat/agent";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { dockerEnv, ensureImage, gitRepo, run, startDockerd, tempDir, waitFor } from "@tugboat/testkit";
import { type BenchResult, median, writeResult } from "./result.js";

const STACKS = Number(process.env.BENCH_SYNC_STACKS ?? 40);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HOSTS = ["h0", "h1", "h2"] as const;
const PASSKEY = "bench";
const SECRET = "bench-hook";

const compose = (i: number) =>
  `services:\n  app:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "${2147483000 + i}"]\n    environment:\n      INSTANCE: \${INSTANCE}\n`;

export async function benchSync(): Promise<BenchResult> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const daemons = await Promise.all(HOSTS.map(() => startDockerd()));
    cleanups.push(() => Promise.all(daemons.map((d) => d.stop())));
    await Promise.all(daemons.map((d) => ensureImage(d.dockerHost)));
    const agents: Array<{ url: string; fingerprint: string }> = [];
    for (const daemon of daemons) {
      const dir = await tempDir("tug-bench-sync-agent-");
      cleanups.push(dir.cleanup);
      const agent = await startAgent(
        {
          ...AgentConfig.parse({ port: 0, host: "127.0.0.1", root: dir.path, docker_host: daemon.dockerHost }),
          passkey: PASSKEY,
        },
        { log: () => {} },
      );
      cleanups.push(() => agent.close());
      agents.push(agent);
    }
    const repo = await gitRepo();
    cleanups.push(repo.cleanup);
    await repo.write(
      "syncs/servers.toml",
      HOSTS.map(
        (h, i) =>
          `[[server]]\nname = "${h}"\n[server.config]\naddress = "${agents[i]?.url}"\nfingerprint = "${agents[i]?.fingerprint}"\nenabled = true\n`,
      ).join("\n"),
    );
    const stacks: string[] = [];
    for (let i = 0; i < STACKS; i += 1) {
      await repo.write(`stacks/app-${i}/compose.yaml`, compose(i));
      stacks.push(
        `[[stack]]\nname = "app-${i}"\n[stack.config]\nserver = "${HOSTS[i % 3]}"\nrun_directory = "stacks/app-${i}"\nenvironment = "INSTANCE=${i}"\n`,
      );
    }
    await repo.write("syncs/stacks.toml", stacks.join("\n"));
    await repo.commitAndPush("fleet");

    const data = await tempDir("tug-bench-sync-core-");
    cleanups.push(data.cleanup);
    const core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: {
          port: 0,
          host: "127.0.0.1",
          data_dir: data.path,
          sync_repo: repo.remote,
          poll_interval: 3600,
          status_interval: 3600,
          agent_passkey: PASSKEY,
          webhook_secret: SECRET,
        },
      }),
      { log: () => {} },
    );
    cleanups.unshift(() => core.close());
    const { engine, syncs, stacks: stackStore } = core.context;
    await waitFor(async () => (await syncs.get("root"))?.status === "ok", {
      what: "the first deploy of the fleet",
      timeoutMs: 600_000,
    });

    // (1) Nothing relevant changed: Tugboat's sync vs the hand-made script.
    const tugboat: number[] = [];
    const script: number[] = [];
    const clone = join(data.path, "clone");
    await run(["git", "clone", "--quiet", repo.remote, clone]);
    for (let i = 0; i < RUNS; i += 1) {
      await repo.write("README.md", `notes ${i}\n`);
      await repo.commitAndPush(`notes ${i}`);
      let started = performance.now();
      const outcome = await engine.check("root", { trigger: "system", actor: "bench" });
      tugboat.push(performance.now() - started);
      if (outcome.status !== "applied") throw new Error(`sync ended ${outcome.status}`);

      started = performance.now();
      await run(["git", "-C", clone, "pull", "--quiet"]);
      await Promise.all(
        HOSTS.map(async (_, h) => {
          for (let s = h; s < STACKS; s += 3) {
            await run(["docker-compose", "-p", `app-${s}`, "up", "-d"], {
              cwd: join(clone, `stacks/app-${s}`),
              env: { ...dockerEnv(daemons[h]?.dockerHost ?? ""), INSTANCE: String(s) },
            });
          }
        }),
      );
      script.push(performance.now() - started);
    }

    // (2) One stack changes: from the webhook to the stack running again, against a raw up -d.
    const latency: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      await repo.write("stacks/app-0/compose.yaml", compose(100 + i));
      const commit = await repo.commitAndPush(`change app-0 (${i})`);
      const body = JSON.stringify({ ref: "refs/heads/main", after: commit });
      const started = performance.now();
      await fetch(`${core.url}/webhooks/github/sync/root`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      await waitFor(
        async () => {
          const row = await stackStore.get("app-0");
          return row?.deployedCommit === commit && row.state === "running";
        },
        { what: "app-0 at the new commit", timeoutMs: 120_000, intervalMs: 20 },
      );
      latency.push(performance.now() - started);

      await run(["git", "-C", clone, "pull", "--quiet"]);
      const rawStart = performance.now();
      await run(["docker-compose", "-p", "app-0-raw", "up", "-d"], {
        cwd: join(clone, "stacks/app-0"),
        env: { ...dockerEnv(daemons[0]?.dockerHost ?? ""), INSTANCE: "0" },
      });
      raw.push(performance.now() - rawStart);
    }
    const t = median(tugboat);
    const s = median(script);
    const l = median(latency);
    const r = median(raw);
    return {
      name: "sync",
      title: `core: ${STACKS}-stack, 3-host fleet`,
      command: "npx tsx --conditions=tugboat-source bench/sync.ts",
      rows: [
        {
          metric: `hand-made script: git pull + docker-compose up -d in all ${STACKS} folders (hosts in parallel)`,
          value: `${(s / 1000).toFixed(2)} s`,
        },
        {
          metric: "Tugboat sync of a commit that changes no stack (fetch, validate, plan, 0 deploys)",
          value: `${(t / 1000).toFixed(2)} s`,
        },
        { metric: "ratio Tugboat / script", value: `${(t / s).toFixed(3)}×` },
        { metric: "webhook to the changed stack running (one stack of 40)", value: `${(l / 1000).toFixed(2)} s` },
        { metric: "raw docker-compose up -d of that stack", value: `${(r / 1000).toFixed(2)} s` },
        { metric: "Tugboat's overhead (latency − raw up -d)", value: `${((l - r) / 1000).toFixed(2)} s` },
      ],
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchSync();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
