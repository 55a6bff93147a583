// bench/reconcile.ts: what drift detection, heal decisions and uptime checks
// add to a status round. 50 agents simulated at the protocol level (in a
// process of their own: bench/fake-agents.ts), 500 deployed stacks of two
// services with one uptime check each (due every round), one core on SQLite.
// Side by side, alternating: a full round, and the same round with the
// reconciler and the checks switched off (what a status round was before).
// Measured: core's CPU time per round (user + system).
import { UptimeChecks } from "../packages/core/src/checks/uptime-checks.js";
import { Reconciler } from "../packages/core/src/reconcile/reconciler.js";
import { type BenchResult, median, writeResult } from "./result.js";
import { cpuOf, simulatedFleet } from "./simulated-fleet.js";

const SERVERS = Number(process.env.BENCH_RECONCILE_SERVERS ?? 50);
const STACKS_PER_SERVER = Number(process.env.BENCH_RECONCILE_STACKS ?? 10);
const ROUNDS = Number(process.env.BENCH_RUNS ?? 10);
const COMPOSE = `services:
  app:
    image: local/busybox:1
    labels:
      tugboat.check.http: "http://127.0.0.1:8080/health"
      tugboat.check.interval: "1s"
  db:
    image: local/busybox:1
`;

export async function benchReconcile(): Promise<BenchResult> {
  const fleet = await simulatedFleet({ servers: SERVERS, stacksPerServer: STACKS_PER_SERVER, compose: COMPOSE });
  const { core, total } = fleet;
  try {
    const observe = Reconciler.prototype.observe;
    const run = UptimeChecks.prototype.run;
    /** A round with the reconciler and (or only) the checks switched off. */
    const without = async (what: "both" | "checks") => {
      if (what === "both") Reconciler.prototype.observe = async () => {};
      UptimeChecks.prototype.run = async () => {};
      try {
        return await cpuOf(() => core.pollStatus());
      } finally {
        Reconciler.prototype.observe = observe;
        UptimeChecks.prototype.run = run;
      }
    };
    const full = () => cpuOf(() => core.pollStatus());
    // Warm-up: the first rounds open caches and record the first check results.
    for (let i = 0; i < 2; i++) {
      await full();
      await without("both");
    }
    const fulls: number[] = [];
    const withouts: number[] = [];
    const driftOnly: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the checks' 1 s interval is due again
      fulls.push(await full());
      withouts.push(await without("both"));
      driftOnly.push(await without("checks"));
    }
    const drifted = (await core.context.stacks.list()).filter((s) => s.drift !== null).length;
    if (drifted !== 0) throw new Error(`${drifted} stacks drifted: the simulated fleet should run as deployed`);
    const f = median(fulls);
    const w = median(withouts);
    const d = median(driftOnly);
    // With --expose-gc, the live heap after a full collection; RSS alone counts garbage not yet collected.
    (globalThis as { gc?: () => void }).gc?.();
    const { rss: rssBytes, heapUsed } = process.memoryUsage();
    const rss = rssBytes / 1024 ** 2;
    return {
      name: "reconcile",
      title: `status round with drift detection and uptime checks, ${SERVERS} agents / ${total} stacks`,
      command: "node --expose-gc --conditions=tugboat-source --import tsx bench/reconcile.ts",
      rows: [
        {
          metric: `status round without drift, heals or checks (median of ${ROUNDS}), core CPU`,
          value: `${w.toFixed(0)} ms`,
        },
        {
          metric: `status round with drift detection, heal decisions and ${total} uptime checks, core CPU`,
          value: `${f.toFixed(0)} ms`,
          goal: "< 1000 ms per 15 s round",
          ok: f < 1000,
        },
        { metric: "ratio with / without", value: `${(f / w).toFixed(2)}×` },
        {
          metric: "of which drift detection and heal decisions (a round with them, without checks)",
          value: `${d.toFixed(0)} ms (${(d / w).toFixed(2)}×)`,
        },
        {
          metric: "core RSS after the rounds (live heap after a collection)",
          value: `${rss.toFixed(0)} MB (${(heapUsed / 1024 ** 2).toFixed(0)} MB)`,
        },
      ],
    };
  } finally {
    await fleet.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchReconcile();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
