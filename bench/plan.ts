// bench/plan.ts: validate + plan of a generated 1,000-server, 10,000-stack
// fleet, against the floor of merely parsing the same files, side by side.
// Both run the built packages, as `tug validate` and `tug plan` do (the
// source build, through tsx, wraps every closure made in a loop).
// Goal (issue 3): under 2 s and 512 MB on the CI machine.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateFleet } from "./generate-fleet.js";
import { type BenchResult, median, writeResult } from "./result.js";

const SERVERS = Number(process.env.BENCH_SERVERS ?? 1000);
const STACKS = Number(process.env.BENCH_STACKS ?? 10000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Measurement {
  mode: string;
  ms: number;
  maxRssMb: number;
}

function measure(mode: "baseline" | "tugboat", repository: string, commit: string): Measurement {
  const script = fileURLToPath(new URL("./plan-measure.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", script, mode, repository, commit], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Measurement;
}

export async function benchPlan(): Promise<BenchResult> {
  // What is measured is the build: brought up to date with the sources first.
  execFileSync("npx", ["tsc", "-b", "packages/config"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    timeout: 600_000,
  });
  const { repo, commit } = await generateFleet({ servers: SERVERS, stacks: STACKS });
  try {
    const baseline: Measurement[] = [];
    const tugboat: Measurement[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      baseline.push(measure("baseline", repo.dir, commit));
      tugboat.push(measure("tugboat", repo.dir, commit));
    }
    const base = median(baseline.map((m) => m.ms));
    const ours = median(tugboat.map((m) => m.ms));
    const rss = Math.max(...tugboat.map((m) => m.maxRssMb));
    return {
      name: "plan",
      title: `validate + plan, ${SERVERS} servers / ${STACKS} stacks (from a Git commit)`,
      command: "npm run bench -- plan",
      rows: [
        { metric: "parse only (baseline)", value: `${(base / 1000).toFixed(2)} s` },
        { metric: "tug validate + plan", value: `${(ours / 1000).toFixed(2)} s`, goal: "< 2 s", ok: ours < 2000 },
        { metric: "ratio to baseline", value: `${(ours / base).toFixed(2)}×` },
        { metric: "peak RSS (validate + plan)", value: `${rss.toFixed(0)} MB`, goal: "< 512 MB", ok: rss < 512 },
      ],
    };
  } finally {
    await repo.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchPlan();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
