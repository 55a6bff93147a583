// bench/validate-cli.ts: the check a pre-commit hook runs. `tug validate
// examples/homelab`, process start to exit, against what our users run by
// hand today: Compose's own `config` in each of its stack folders, one after
// the other (`docker compose` when the plugin is there, else
// `docker-compose`). Issue 19, target 7: a ratio, no goal given.
import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "@tugboat/testkit";
import { type BenchResult, median, writeResult } from "./result.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLE = join(ROOT, "examples/homelab");
const TUG = join(ROOT, "packages/cli/bin/tug.js");

async function composeFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && /^(docker-)?compose\.ya?ml$/.test(entry.name)) found.push(join(entry.parentPath, entry.name));
  return found.sort();
}

function composeCommand(): string[] {
  try {
    execFileSync("docker", ["compose", "version"], { stdio: "ignore" });
    return ["docker", "compose"];
  } catch {
    return ["docker-compose"];
  }
}

export async function benchValidateCli(): Promise<BenchResult> {
  const files = await composeFiles(join(EXAMPLE, "stacks"));
  const compose = composeCommand();
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const tugRuns: number[] = [];
  const composeRuns: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    tugRuns.push(await time(() => run([process.execPath, TUG, "validate", EXAMPLE])));
    composeRuns.push(
      await time(async () => {
        // Without the stacks' env files and variables Compose warns, but still checks the file.
        for (const file of files) await run([...compose, "config", "-q"], { cwd: dirname(file), allowFailure: true });
      }),
    );
  }
  const [tugMs, composeMs] = [median(tugRuns), median(composeRuns)];
  return {
    name: "validate-cli",
    title: "the pre-commit check: tug validate against Compose's config, examples/homelab",
    command: "npx tsx --conditions=tugboat-source bench/validate-cli.ts",
    rows: [
      {
        metric: `\`${compose.join(" ")} config -q\` in each of its ${files.length} stack folders (median of ${RUNS})`,
        value: `${composeMs.toFixed(0)} ms`,
      },
      { metric: "`tug validate examples/homelab`, process start to exit", value: `${tugMs.toFixed(0)} ms` },
      { metric: "ratio tug / Compose", value: `${(tugMs / composeMs).toFixed(2)}×` },
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchValidateCli();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
