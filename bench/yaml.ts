// bench/yaml.ts: validating a compose file with one huge mapping and a schema
// error (which makes core locate the error in a position-keeping parse),
// against js-yaml merely loading the same text, at 7,500, 15,000 and 30,000
// keys. Issue 12: the old parse took 13.8 s at 40,000 keys (quadratic); the
// goal is growth close to linear. Files over 512 KiB are refused unparsed.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFleet, WorkingTreeSource } from "@tugboat/config";
import { load } from "js-yaml";
import { type BenchResult, median, writeResult } from "./result.js";

// The largest fits under the 512 KiB cap.
const SIZES = [7_500, 15_000, 30_000];
const RUNS = 3;

function composeWith(keys: number): string {
  const lines = ["services:", "  web:", "    image: local/busybox:1", "    environment:"];
  for (let i = 0; i < keys; i += 1) lines.push(`      a${i}: 1`);
  lines.push("    imagee: typo");
  return `${lines.join("\n")}\n`;
}

async function timeValidate(dir: string): Promise<number> {
  const started = performance.now();
  const source = await WorkingTreeSource.open(dir);
  const { errors } = await loadFleet(source);
  const ms = performance.now() - started;
  if (!errors.some((e) => e.code === "E_COMPOSE_SCHEMA"))
    throw new Error(`no schema error found: ${JSON.stringify(errors)}`);
  return ms;
}

export async function benchYaml(): Promise<BenchResult> {
  const rows: BenchResult["rows"] = [];
  const ours: number[] = [];
  for (const keys of SIZES) {
    const dir = await mkdtemp(join(tmpdir(), "tug-bench-yaml-"));
    try {
      const text = composeWith(keys);
      await mkdir(join(dir, "syncs"));
      await mkdir(join(dir, "stacks/web"), { recursive: true });
      await writeFile(
        join(dir, "syncs/fleet.toml"),
        '[[server]]\nname = "a"\n[server.config]\nenabled = true\n\n[[stack]]\nname = "web"\n[stack.config]\nserver = "a"\nrun_directory = "stacks/web"\n',
      );
      await writeFile(join(dir, "stacks/web/compose.yaml"), text);
      const baseline: number[] = [];
      const validate: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const started = performance.now();
        load(text);
        baseline.push(performance.now() - started);
        validate.push(await timeValidate(dir));
      }
      const base = median(baseline);
      const mine = median(validate);
      ours.push(mine);
      rows.push({
        metric: `${keys.toLocaleString("en")} keys (${Math.round(text.length / 1024)} KiB): validate, locating the error`,
        value: `${mine.toFixed(0)} ms (js-yaml load alone: ${base.toFixed(0)} ms, ${(mine / base).toFixed(1)}×)`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const growth = (ours[2] ?? 0) / (ours[0] ?? 1);
  rows.push({
    metric: "growth from 7,500 to 30,000 keys (linear: 4×)",
    value: `${growth.toFixed(1)}×`,
    goal: "< 8×",
    ok: growth < 8,
  });
  return {
    name: "yaml",
    title: "a compose file with one huge mapping and a schema error",
    command: "npx tsx --conditions=tugboat-source bench/yaml.ts",
    rows,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchYaml();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
