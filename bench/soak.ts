// bench/soak.ts: core and an agent left running under a steady load, as
// separate processes started the way hosts start them (core from the CLI, the
// agent from its single-file build with its unit's flags). The agent runs 20
// containers that each print a line a second; core polls status and stats at
// its default interval and collects every line. Each process reports its own
// memory once a minute (bench/soak-probe.mjs, heap read after a collection).
// Goal (issue 19, target 6): flat within 2 MB from start to end.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "@tugboat/agent";
import { ensureImage, gitRepo, run, startDockerd, tempDir, waitFor } from "@tugboat/testkit";
import { MB, PROBE, type Sample, samples } from "./probe-samples.js";
import { type BenchResult, RESULTS_DIR, writeResult } from "./result.js";

const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 3600);
const WARMUP_SECONDS = Number(process.env.BENCH_SOAK_WARMUP_SECONDS ?? 120);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUILD = join(ROOT, "packages/agent/bundle/tugboat-agent.mjs");
const TUG = join(ROOT, "packages/cli/bin/tug.js");
const PASSKEY = "bench-passkey";

const chatty = `services:\n${Array.from(
  { length: 20 },
  (_, i) =>
    `  talk${i}:\n    image: local/busybox:1\n    init: true\n    command: ["sh", "-c", "i=0; while true; do i=$$((i+1)); echo \\"talk${i} line $$i: GET /api/items 200 12ms\\"; sleep 1; done"]\n`,
).join("")}`;

/** A child whose stdout is watched until it matches `ready`. */
function start(args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const matched = new Promise<RegExpExecArray>((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const match = ready.exec(output);
      if (match) resolve(match);
    };
    child.stdout.on("data", watch);
    child.stderr.on("data", watch);
    child.once("exit", (code) => reject(new Error(`${args.at(-1)} exited with ${code}: ${output}`)));
  });
  return { child, matched };
}

/** Least-squares slope of `value` over time, in MB per hour. */
function slopePerHour(points: Sample[], value: (s: Sample) => number): number {
  const n = points.length;
  if (n < 2) return 0;
  const xs = points.map((p) => p.at / 3_600_000);
  const ys = points.map((p) => value(p) / MB);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function benchSoak(): Promise<BenchResult> {
  if (!existsSync(BUILD) || !existsSync(join(ROOT, "packages/cli/dist")))
    await run(["npm", "run", "build"], { cwd: ROOT });
  const daemon = await startDockerd();
  const repo = await gitRepo();
  const work = await tempDir("tug-bench-soak-");
  const children: ChildProcess[] = [];
  const probe = (name: string) => ({ TUG_PROBE_FILE: join(work.path, `${name}.jsonl`), TUG_PROBE_SECONDS: "60" });
  try {
    await ensureImage(daemon.dockerHost);
    const agent = start(
      [...AGENT_NODE_FLAGS, "--expose-gc", "--import", PROBE, BUILD, "--root", join(work.path, "agent")].concat([
        "--port",
        "0",
        "--host",
        "127.0.0.1",
      ]),
      { TUG_AGENT_PASSKEY: PASSKEY, DOCKER_HOST: daemon.dockerHost, ...probe("agent") },
      /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*fingerprint \(SHA-256\): ([0-9A-F:]+)/,
    );
    children.push(agent.child);
    const [, address, fingerprint] = await agent.matched;
    await repo.write(
      "servers.toml",
      `[[server]]\nname = "soak"\n[server.config]\naddress = "${address}"\nfingerprint = "${fingerprint}"\nenabled = true\n`,
    );
    await repo.write(
      "stacks.toml",
      '[[stack]]\nname = "talk"\n[stack.config]\nserver = "soak"\nrun_directory = "stacks/talk"\n',
    );
    await repo.write("stacks/talk/compose.yaml", chatty);
    await repo.commitAndPush("a chatty host");
    const core = start(
      ["--expose-gc", "--import", PROBE, TUG, "core"],
      {
        TUG_HOST: "127.0.0.1",
        TUG_PORT: "0",
        TUG_DATA_DIR: join(work.path, "core"),
        TUG_SYNC_REPO: repo.remote,
        TUG_AGENT_PASSKEY: PASSKEY,
        TUG_IMAGE_CHECK_INTERVAL: "0",
        TUG_BACKUP_SCHEDULE: "off",
        ...probe("core"),
      },
      /listening on (http:\/\/[\d.:]+)/,
    );
    children.push(core.child);
    await core.matched;
    const running = async () =>
      (await run(["docker", "ps", "-q"], { env: { ...process.env, DOCKER_HOST: daemon.dockerHost } })).stdout
        .trim()
        .split("\n")
        .filter(Boolean).length;
    await waitFor(async () => (await running()) === 20, { what: "the 20 containers", timeoutMs: 180_000 });
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
    const from = Date.now() - 1000;
    await new Promise((resolve) => setTimeout(resolve, (SOAK_SECONDS + 61) * 1000));
    const rows: BenchResult["rows"] = [];
    await mkdir(RESULTS_DIR, { recursive: true });
    for (const name of ["core", "agent"]) {
      // Every sample is kept beside the results, for a closer look than start and end.
      await copyFile(join(work.path, `${name}.jsonl`), join(RESULTS_DIR, `soak-${name}.jsonl`));
      const points = await samples(join(work.path, `${name}.jsonl`), from);
      const first = points[0];
      const last = points.at(-1);
      if (!first || !last) throw new Error(`no memory samples from ${name}`);
      const minutes = Math.round((last.at - first.at) / 60_000);
      const rss = (last.rss - first.rss) / MB;
      const heap = (last.heapUsed - first.heapUsed) / MB;
      // V8 grows its young generation with the allocation rate, up to a fixed maximum (two 16 MB
      // semi-spaces), and keeps it: a step up to a bound, not a leak. Shown apart from the rest.
      const young = (s: Sample) => s.spaces?.new_space ?? 0;
      const rest = (s: Sample) => s.rss - young(s);
      rows.push(
        {
          metric: `${name} RSS after a collection, start → after ${minutes} min (slope)`,
          value: `${(first.rss / MB).toFixed(1)} → ${(last.rss / MB).toFixed(1)} MB (${slopePerHour(points, (s) => s.rss).toFixed(2)} MB/h)`,
          goal: "within 2 MB",
          ok: Math.abs(rss) <= 2,
        },
        {
          metric: `${name} V8's young generation (committed), the same`,
          value: `${(young(first) / MB).toFixed(1)} → ${(young(last) / MB).toFixed(1)} MB`,
        },
        {
          metric: `${name} RSS less the young generation, the same`,
          value: `${(rest(first) / MB).toFixed(1)} → ${(rest(last) / MB).toFixed(1)} MB (${slopePerHour(points, rest).toFixed(2)} MB/h)`,
        },
        {
          metric: `${name} heap in use, the same`,
          value: `${(first.heapUsed / MB).toFixed(1)} → ${(last.heapUsed / MB).toFixed(1)} MB (${slopePerHour(points, (s) => s.heapUsed).toFixed(2)} MB/h)`,
          goal: "within 2 MB",
          ok: Math.abs(heap) <= 2,
        },
      );
    }
    return {
      name: "soak",
      title: `no creep: core and an agent for ${Math.round(SOAK_SECONDS / 60)} min, 20 containers logging a line a second`,
      command: "npm run bench -- soak",
      rows,
    };
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await run(["sh", "-c", "docker ps -aq | xargs -r docker rm -f"], {
      env: { ...process.env, DOCKER_HOST: daemon.dockerHost },
      allowFailure: true,
    });
    await daemon.stop();
    await repo.cleanup();
    await work.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchSoak();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
