// bench/sync.ts: a 40-stack, 3-host fleet. (1) A sync where nothing relevant
// changed, against the hand-made script (git pull, then docker-compose up -d
// in every stack folder, hosts in parallel). (2) Webhook-to-running latency
// of a one-stack change, against the raw docker-compose up -d of that stack
// (and `pull` then `up -d`, which is what the default auto_pull asks for).
// Images come from a real registry on loopback, so a pull is what it costs
// against a registry, not a lookup that fails offline.
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { AgentConfig, startAgent } from "@tugboat/agent";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { dockerEnv, ensureImage, gitRepo, run, startDockerd, startRegistry, tempDir, waitFor } from "@tugboat/testkit";
import { stepDurations } from "./redeploy.js";
import { type BenchResult, median, writeResult } from "./result.js";

const STACKS = Number(process.env.BENCH_SYNC_STACKS ?? 40);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HOSTS = ["h0", "h1", "h2"] as const;
const PASSKEY = "bench";
const SECRET = "bench-hook";

const compose = (i: number, image: string) =>
  `services:\n  app:\n    image: ${image}\n    init: true\n    command: ["sleep", "${2147483000 + i}"]\n    environment:\n      INSTANCE: \${INSTANCE}\n`;

export async function benchSync(): Promise<BenchResult> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const daemons = await Promise.all(HOSTS.map(() => startDockerd()));
    cleanups.push(() => Promise.all(daemons.map((d) => d.stop())));
    await Promise.all(daemons.map((d) => ensureImage(d.dockerHost)));
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    await registry.push("bench/busybox", "1");
    const image = `${registry.host}/bench/busybox:1`;
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
      await repo.write(`stacks/app-${i}/compose.yaml`, compose(i, image));
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
    const rawPull: number[] = [];
    /** Per run, the latency less the deploy's own `up` step: what Tugboat adds, whatever `up` took. */
    const aroundUp: number[] = [];
    const phases = new Map<string, number[]>();
    const note = (phase: string, ms: number) => phases.set(phase, [...(phases.get(phase) ?? []), ms]);
    for (let i = 0; i < RUNS; i += 1) {
      await repo.write("stacks/app-0/compose.yaml", compose(100 + i, image));
      const commit = await repo.commitAndPush(`change app-0 (${i})`);
      const body = JSON.stringify({ ref: "refs/heads/main", after: commit });
      const started = performance.now();
      const sent = Date.now();
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
        // A primary-key read: polling every 5 ms adds 2.5 ms to the latency on average (20 ms added 10).
        { what: "app-0 at the new commit", timeoutMs: 120_000, intervalMs: 5 },
      );
      latency.push(performance.now() - started);
      const seen = Date.now();
      const [deploy] = await core.context.log.store.list({ targetName: "app-0", limit: 1 });
      const [sync] = await core.context.log.store.list({ targetName: "root", limit: 1 });
      const at = (iso: string | null | undefined) => Date.parse(iso ?? "");
      if (deploy && sync) {
        note("webhook → sync started", at(sync.startedAt) - sent);
        note("sync started → deploy started", at(deploy.startedAt) - at(sync.startedAt));
        const steps = stepDurations((await core.context.log.store.events(deploy.id)).map((e) => e.event));
        for (const [step, ms] of steps) note(`deploy: ${step}`, ms);
        aroundUp.push((latency.at(-1) ?? 0) - (steps.get("up") ?? 0));
        note("deploy run", at(deploy.endedAt) - at(deploy.startedAt));
        note("deploy ended → seen running", seen - at(deploy.endedAt));
      }

      await run(["git", "-C", clone, "pull", "--quiet"]);
      const byHand = (project: string, argv: string[]) =>
        run(["docker-compose", "-p", project, ...argv], {
          cwd: join(clone, "stacks/app-0"),
          env: { ...dockerEnv(daemons[0]?.dockerHost ?? ""), INSTANCE: "0" },
        });
      // Each on its own copy, running the previous commit: both recreate the changed container.
      if (i === 0) for (const project of ["app-0-raw", "app-0-pull"]) await byHand(project, ["up", "-d"]);
      let rawStart = performance.now();
      await byHand("app-0-raw", ["up", "-d"]);
      raw.push(performance.now() - rawStart);
      rawStart = performance.now();
      await byHand("app-0-pull", ["pull"]);
      await byHand("app-0-pull", ["up", "-d"]);
      rawPull.push(performance.now() - rawStart);
    }
    const t = median(tugboat);
    const s = median(script);
    const l = median(latency);
    const r = median(raw);
    const rp = median(rawPull);
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
        {
          metric: `webhook to the changed stack running (one stack of ${STACKS})`,
          value: `${(l / 1000).toFixed(2)} s`,
        },
        { metric: "raw docker-compose up -d of that stack", value: `${(r / 1000).toFixed(2)} s` },
        {
          metric: "Tugboat's overhead (latency − raw up -d)",
          value: `${((l - r) / 1000).toFixed(2)} s`,
          goal: "< 0.1 s",
          ok: l - r < 100,
        },
        {
          metric: "the same, less Tugboat's own `up` step instead of the raw one (the steps around `up`)",
          value: `${(median(aroundUp) / 1000).toFixed(2)} s`,
        },
        {
          metric: "raw `docker-compose pull` then `up -d` (what the default auto_pull = true does)",
          value: `${(rp / 1000).toFixed(2)} s`,
        },
        {
          metric: "where the latency goes (ms, medians)",
          value: [...phases].map(([phase, times]) => `${phase} ${median(times).toFixed(0)}`).join("; "),
        },
        {
          metric: "Tugboat's overhead against that (latency − raw pull and up -d)",
          value: `${((l - rp) / 1000).toFixed(2)} s`,
        },
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
