// bench/incremental.ts: core's CPU for the sync of a push that changes one
// file, against a full plan of the same commit, side by side in one warm
// process (core is long-lived). Both open the commit, load the fleet and plan
// it against the state before; the incremental one keeps core's analysis
// cache across pushes. Also measured: what the cache holds, in heap bytes
// per byte of the files it analysed.
// Goal (issue 19, target 2): on a 500-stack, 50-server repository, under 50 ms.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  AnalysisCache,
  EMPTY_STATE,
  type FleetState,
  GitCommitSource,
  HEAP_PER_TEXT_BYTE,
  loadFleet,
  planFleet,
} from "@tugboat/config";
import { generateFleet } from "./generate-fleet.js";
import { type BenchResult, median, writeResult } from "./result.js";

const SERVERS = Number(process.env.BENCH_SERVERS ?? 50);
const STACKS = Number(process.env.BENCH_STACKS ?? 500);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 30);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function sync(repository: string, commit: string, state: FleetState, cache?: AnalysisCache) {
  const started = process.cpuUsage();
  const source = await GitCommitSource.open({ repository, revision: commit, ...(cache ? { cache } : {}) });
  try {
    const loaded = await loadFleet(source, cache ? { cache } : {});
    if (loaded.errors.length > 0) throw new Error(`the generated fleet has errors: ${loaded.errors[0]?.message}`);
    const plan = planFleet(loaded.fleet, state);
    return { ms: cpuMs(started), plan };
  } finally {
    await source.close();
  }
}

/** Bytes of the files a load analyses: the TOML and compose files. */
async function analysedText(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.parentPath.includes(".git") && /\.(toml|yaml)$/.test(entry.name))
      total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export async function benchIncremental(): Promise<BenchResult> {
  const { repo, commit } = await generateFleet({ servers: SERVERS, stacks: STACKS });
  try {
    // Warm, as a core that has been running is, and the state of the first commit applied.
    let state = EMPTY_STATE;
    for (let i = 0; i < 5; i += 1) state = (await sync(repo.dir, commit, EMPTY_STATE)).plan.state;

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const cache = new AnalysisCache();
    await sync(repo.dir, commit, state, cache);
    gc();
    const heldBytes = process.memoryUsage().heapUsed - heapBefore;
    const { entries, bytes: estimated } = cache.stats();
    const textBytes = await analysedText(repo.dir);

    // Each way in its own run of pushes (full, incremental, full again), so that neither pays for
    // collecting the other's garbage, and a warmer machine favours neither.
    const full: number[] = [];
    const incremental: number[] = [];
    let deploys = 0;
    let pushes = 0;
    const push = async (into: number[], withCache?: AnalysisCache) => {
      const stack = (pushes * 37) % STACKS;
      const category = ["applications", "infrastructure", "monitoring"][stack % 3];
      const path = `stacks/${category}/app-${stack}/compose.yaml`;
      const text = await readFile(join(repo.dir, path), "utf8");
      await repo.write(path, text.replace(/INSTANCE: .*/, `INSTANCE: \${INSTANCE}-${pushes}`));
      const next = await repo.commit(`push ${pushes}: one compose file`);
      pushes += 1;
      const { ms, plan } = await sync(repo.dir, next, state, withCache);
      into.push(ms);
      deploys += plan.deploys.length;
      state = plan.state;
    };
    for (let i = 0; i < PUSHES / 2; i += 1) await push(full);
    for (let i = 0; i < PUSHES; i += 1) await push(incremental, cache);
    for (let i = 0; i < PUSHES / 2; i += 1) await push(full);
    if (deploys !== pushes) throw new Error(`expected one deploy per push, planned ${deploys}`);
    const [fullMs, incMs] = [median(full), median(incremental)];
    return {
      name: "incremental",
      title: `a push that changes one file, ${SERVERS} servers / ${STACKS} stacks (core CPU, warm)`,
      command: "npm run bench -- incremental",
      rows: [
        {
          metric: `full: open the commit, load and plan it, every file read (median of ${PUSHES})`,
          value: `${fullMs.toFixed(1)} ms`,
        },
        {
          metric: "incremental: the same with core's analysis cache (one file and the trees on its path read)",
          value: `${incMs.toFixed(1)} ms`,
          goal: "< 50 ms",
          ok: incMs < 50,
        },
        { metric: "ratio incremental / full", value: `${(incMs / fullMs).toFixed(2)}×` },
        {
          metric: `cache: ${entries} analyses and trees, of ${(textBytes / 1024).toFixed(0)} KiB of files`,
          value: `${(heldBytes / 1024 / 1024).toFixed(1)} MB of heap; the bound counts ${(estimated / 1024 / 1024).toFixed(1)} MB for them (${HEAP_PER_TEXT_BYTE} bytes per byte read)`,
          goal: "heap ≤ what the bound counts",
          ok: heldBytes <= estimated,
        },
      ],
    };
  } finally {
    await repo.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchIncremental();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
