// bench/scale.ts: core at scale, simulated (issue 19, target 5). 500 agents
// simulated at the protocol level in a process of their own
// (bench/fake-agents.ts, holding log long-polls as real agents do), 5,000
// stacks of two services, and core as hosts run it: its own process, started
// from the CLI with its defaults (status and stats every 15 s, logs
// collected), once on SQLite and once on PostgreSQL. Core reports its own
// CPU and memory every 15 s (bench/soak-probe.mjs, no forced collections).
// Measured once every stack is deployed and running: core's CPU per 15 s
// round, its RSS, the dashboard API's latency and the dashboard's first
// render in Chromium, cold. Beside the round, its floor on the same agents:
// a bare client asking what the round asks (bench/round-floor.ts).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  gitRepo,
  launchBrowser,
  postgresUnavailableReason,
  run,
  startPostgres,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { benchSecret } from "./bench-secret.js";
import { MB, PROBE, type Sample, samples } from "./probe-samples.js";
import { type BenchResult, median, writeResult } from "./result.js";
import { startFakeAgents, writeFleet } from "./simulated-fleet.js";

const SERVERS = Number(process.env.BENCH_SCALE_SERVERS ?? 500);
const STACKS_PER_SERVER = Number(process.env.BENCH_SCALE_STACKS ?? 10);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 12);
const REQUESTS = Number(process.env.BENCH_RUNS ?? 200);
const FLOOR_ROUNDS = 3;
const execFileAsync = promisify(execFile);
// To measure one database only: BENCH_SCALE_DATABASES=sqlite (or postgresql).
const DATABASES = (process.env.BENCH_SCALE_DATABASES ?? "sqlite,postgresql").toLowerCase().split(",");
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TUG = join(ROOT, "packages/cli/bin/tug.js");
const ADMIN = { username: "admin", password: benchSecret() };
const PASSKEY = benchSecret();
const COMPOSE = "services:\n  app:\n    image: local/busybox:1\n  db:\n    image: local/busybox:1\n";

/** bench/round-floor.ts over the same agents: the CPU (ms) of each of its rounds. */
async function roundFloor(urls: string[]): Promise<number[]> {
  const script = join(ROOT, "bench/round-floor.ts");
  const args = [
    "--conditions=tugboat-source",
    "--import",
    "tsx",
    script,
    String(FLOOR_ROUNDS),
    String(STACKS_PER_SERVER),
  ];
  const { stdout } = await execFileAsync(process.execPath, [...args, "15000", ...urls], {
    cwd: ROOT,
    timeout: 600_000,
  });
  return (JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { cpu: number[] }).cpu;
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

/** One core, on `databaseUrl` (empty: SQLite), over the simulated fleet; its figures. */
async function measure(database: "SQLite" | "PostgreSQL", databaseUrl: string, repoUrl: string) {
  const work = await tempDir("tug-bench-scale-");
  const probeFile = join(work.path, "core.jsonl");
  let child: ChildProcess | undefined;
  const browser = await launchBrowser();
  try {
    // To profile core: BENCH_CORE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR".
    const nodeArgs = (process.env.BENCH_CORE_NODE_ARGS ?? "").split(" ").filter(Boolean);
    child = spawn(process.execPath, [...nodeArgs, "--import", PROBE, TUG, "core"], {
      env: {
        ...process.env,
        TUG_HOST: "127.0.0.1",
        TUG_PORT: "0",
        TUG_DATA_DIR: join(work.path, "core"),
        TUG_DATABASE_URL: databaseUrl,
        TUG_SYNC_REPO: repoUrl,
        TUG_AGENT_PASSKEY: PASSKEY,
        TUG_IMAGE_CHECK_INTERVAL: "0",
        TUG_BACKUP_SCHEDULE: "off",
        TUG_INIT_ADMIN_USERNAME: ADMIN.username,
        TUG_INIT_ADMIN_PASSWORD: ADMIN.password,
        TUG_PROBE_FILE: probeFile,
        TUG_PROBE_SECONDS: "15",
        TUG_PROBE_GC: "0",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const started = child;
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      started.stdout?.on("data", (chunk: Buffer) => {
        // To keep what core printed (with BENCH_CORE_NODE_ARGS=--trace-gc, its collections): BENCH_CORE_LOG=FILE.
        if (process.env.BENCH_CORE_LOG) appendFileSync(process.env.BENCH_CORE_LOG, chunk);
        output = (output + chunk.toString()).slice(-10_000);
        const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      started.once("exit", (code) => reject(new Error(`core exited with ${code}: ${output}`)));
    });
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const { token } = (await login.json()) as { token: string };
    const get = async (path: string) =>
      (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<unknown>;
    const total = SERVERS * STACKS_PER_SERVER;
    const deployStarted = performance.now();
    await waitFor(
      async () =>
        ((await get("/api/stacks")) as Array<{ state: string }>).filter((s) => s.state === "running").length === total,
      { what: `${total} stacks deployed and running`, timeoutMs: 1_800_000, intervalMs: 5000 },
    );
    const deployedIn = performance.now() - deployStarted;
    // Deploys that failed on the way (an agent that did not answer in time, under the first sync's load).
    const exposition = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const failedDeploys = Number(
      /^tug_updates_total\{operation="deploy",result="failed"\} (\d+)$/m.exec(exposition)?.[1] ?? 0,
    );
    // Steady state: two rounds to settle, then ROUNDS rounds with nothing else asked of core.
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const from = Date.now();
    await new Promise((resolve) => setTimeout(resolve, ROUNDS * 15_000 + 16_000));
    const window = (await samples(probeFile)).filter((s) => s.at >= from);
    const first = window[0];
    const last = window.at(-1);
    if (!first || !last || last === first) throw new Error("core reported too few samples");
    // Then the dashboard API, asked while core goes on polling.
    const apiTimes: number[] = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      const t0 = performance.now();
      await get("/api/dashboard");
      apiTimes.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // And the dashboard in Chromium, cold each time (a new context: no cache), until every server's card is painted.
    const renderTimes: number[] = [];
    const renderPhases: Array<Record<string, number>> = [];
    for (let i = 0; i < 5; i += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: "tug_session", value: token, url }]);
      const page = await context.newPage();
      // To see where a render's time goes: BENCH_SCALE_RENDER_TRACE=DIR keeps a Chromium trace of each.
      const traceDir = process.env.BENCH_SCALE_RENDER_TRACE;
      if (traceDir)
        await browser.startTracing(page, {
          path: join(traceDir, `render-${database}-${i}.json`),
          categories: [
            "devtools.timeline",
            "disabled-by-default-devtools.timeline",
            "v8.execute",
            "blink.user_timing",
            "disabled-by-default-v8.cpu_profiler",
          ],
        });
      // By the page's own clock, from a check at each animation frame that the page runs from its
      // start (Playwright's own polling starts later: its script is injected after the load):
      // when the cards first filled the window (the last one reaches below its bottom edge) or
      // were all there, and when all were; each read in a timer the check sets, which runs once
      // that frame is painted. A string: tsx would wrap a function's inner ones in a helper.
      await page.addInitScript(`(() => {
        const marks = {};
        window.tugRender = marks;
        const mark = (key) => {
          if (marks[key] !== undefined) return;
          marks[key] = -1;
          setTimeout(() => { marks[key] = performance.now(); });
        };
        const check = () => {
          const cards = document.querySelectorAll("article.card");
          const last = cards[cards.length - 1];
          if (cards.length === ${SERVERS} || (last && last.getBoundingClientRect().top > innerHeight)) mark("screen");
          if (cards.length === ${SERVERS}) mark("all");
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      })();`);
      const t0 = performance.now();
      await page.goto(url);
      const shown = await page.waitForFunction(
        () => {
          const marks = (globalThis as unknown as { tugRender?: { screen?: number; all?: number } }).tugRender;
          return (marks?.screen ?? 0) > 0 && (marks?.all ?? 0) > 0 ? marks : false;
        },
        undefined,
        { timeout: 60_000 },
      );
      renderTimes.push(performance.now() - t0);
      const { screen: firstScreen, all: allCards } = (await shown.jsonValue()) as { screen: number; all: number };
      // Where the render's time went, by the page's own clock (ms from navigation start).
      const phases = await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
        const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
        const api = resources.find((e) => e.name.endsWith("/api/dashboard"));
        const session = resources.find((e) => e.name.endsWith("/api/auth/me"));
        const scripts = resources.filter((e) => e.initiatorType === "script");
        return {
          scriptsLoaded: Math.max(0, ...scripts.map((e) => e.responseEnd)),
          domContentLoaded: nav?.domContentLoadedEventEnd ?? 0,
          apiAsked: api?.startTime ?? 0,
          apiAnswered: api?.responseEnd ?? 0,
          sessionAnswered: session?.responseEnd ?? 0,
        };
      });
      renderPhases.push({ ...phases, firstScreen, allCards });
      if (traceDir) await browser.stopTracing();
      await context.close();
    }
    const rss = Math.max(...(await samples(probeFile)).filter((s) => s.at >= from).map((s) => s.rss)) / MB;
    const cpuMs = (s: Sample) => (s.cpu.user + s.cpu.system) / 1000;
    const perRound = ((cpuMs(last) - cpuMs(first)) / (last.at - first.at)) * 15_000;
    // Of it, the kernel's part: on loopback a socket write also runs the receiving side's TCP path.
    const systemPerRound = ((last.cpu.system - first.cpu.system) / 1000 / (last.at - first.at)) * 15_000;
    // Each 15 s sample's CPU, in order: whether some rounds cost more than others.
    const eachRound = window.slice(1).map((s, i) => cpuMs(s) - cpuMs(window[i] as Sample));
    // Each sample's longest event-loop stall and GC pause: what a request arriving then waited for.
    const stalls = (await samples(probeFile))
      .filter((s) => s.at >= from)
      .map((s) => `${(s.loopDelay?.max ?? 0).toFixed(0)}/${(s.longestGc ?? 0).toFixed(0)}`);
    return {
      database,
      deployedIn,
      failedDeploys,
      perRound,
      systemPerRound,
      eachRound,
      stalls,
      rss,
      heap: last.heapUsed / MB,
      apiP50: median(apiTimes),
      apiP95: percentile(apiTimes, 0.95),
      render: median(renderTimes),
      renderMax: Math.max(...renderTimes),
      firstScreen: median(renderPhases.map((p) => p.firstScreen ?? 0)),
      firstScreenMax: Math.max(...renderPhases.map((p) => p.firstScreen ?? 0)),
      renderPhases: Object.keys(renderPhases[0] ?? {}).map(
        (phase) => `${phase} ${median(renderPhases.map((p) => p[phase] ?? 0)).toFixed(0)}`,
      ),
    };
  } finally {
    await browser.close();
    child?.kill("SIGTERM");
    await new Promise((resolve) => (child?.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
    await work.cleanup();
  }
}

export async function benchScale(): Promise<BenchResult> {
  if (!existsSync(join(ROOT, "packages/cli/dist")) || !existsSync(join(ROOT, "packages/web/dist")))
    await run(["npm", "run", "build"], { cwd: ROOT });
  const agents = await startFakeAgents(SERVERS, { BENCH_FAKE_LONG_POLL: "1" });
  const repo = await gitRepo();
  try {
    await writeFleet(repo, agents, { stacksPerServer: STACKS_PER_SERVER, compose: COMPOSE });
    const floor = median(await roundFloor(agents.urls));
    const results = DATABASES.includes("sqlite") ? [await measure("SQLite", "", repo.remote)] : [];
    const noPostgres = DATABASES.includes("postgresql") ? postgresUnavailableReason() : "not asked for";
    if (!noPostgres) {
      const postgres = await startPostgres();
      try {
        results.push(await measure("PostgreSQL", postgres.url, repo.remote));
      } finally {
        await postgres.stop();
      }
    }
    const rows: BenchResult["rows"] = [];
    for (const r of results) {
      rows.push(
        {
          metric: `${r.database}: every stack deployed and seen running, from core's start`,
          value: `${(r.deployedIn / 1000).toFixed(0)} s`,
        },
        {
          metric: `${r.database}: deploys of the first sync that failed (tried again by the next sync)`,
          value: `${r.failedDeploys} of ${SERVERS * STACKS_PER_SERVER}`,
        },
        {
          metric: `${r.database}: core CPU per 15 s status round (status + stats of every server, drift, logs collected; mean of ${ROUNDS})`,
          value: `${r.perRound.toFixed(0)} ms`,
          goal: "< 1000 ms",
          ok: r.perRound < 1000,
        },
        {
          metric: `${r.database}: of which in the kernel (system time)`,
          value: `${r.systemPerRound.toFixed(0)} ms`,
        },
        {
          metric: `${r.database}: ratio to the floor: a bare Node client making the round's status requests (POST /poll to every agent, at the same spots; no log polls), nothing stored (${floor.toFixed(0)} ms a round, median of ${FLOOR_ROUNDS})`,
          value: `${(r.perRound / floor).toFixed(2)}×`,
        },
        {
          metric: `${r.database}: the same, each 15 s sample in order (ms)`,
          value: r.eachRound.map((ms) => ms.toFixed(0)).join(", "),
        },
        {
          metric: `${r.database}: core's longest event-loop stall / longest GC pause in each 15 s sample, from the rounds to the end of the renders (ms)`,
          value: r.stalls.join(", "),
        },
        {
          metric: `${r.database}: core RSS, highest from the rounds to the end of the renders (heap in use after the rounds)`,
          value: `${r.rss.toFixed(0)} MB (${r.heap.toFixed(0)} MB)`,
          goal: "< 300 MB",
          ok: r.rss < 300,
        },
        {
          metric: `${r.database}: dashboard API (GET /api/dashboard) p50 / p95 of ${REQUESTS}, while core polls`,
          value: `${r.apiP50.toFixed(1)} / ${r.apiP95.toFixed(1)} ms`,
          goal: "p95 < 50 ms",
          ok: r.apiP95 < 50,
        },
        {
          metric: `${r.database}: dashboard first render in Chromium, cold: the window's first server cards painted, by the page's clock from navigation start (median of 5; slowest)`,
          value: `${r.firstScreen.toFixed(0)} ms (${r.firstScreenMax.toFixed(0)})`,
          goal: "< 500 ms",
          ok: r.firstScreen < 500,
        },
        {
          metric: `${r.database}: the same until all ${SERVERS} cards are in the page, by the bench's clock from the navigation's request (with Playwright's round trips; median of 5; slowest)`,
          value: `${r.render.toFixed(0)} ms (${r.renderMax.toFixed(0)})`,
        },
        {
          metric: `${r.database}: the render's steps by the page's clock (ms from navigation start, medians)`,
          value: r.renderPhases.join("; "),
        },
      );
    }
    if (noPostgres) rows.push({ metric: "PostgreSQL", value: `not measured: ${noPostgres}` });
    return {
      name: "scale",
      title: `core at scale, simulated: ${SERVERS} servers / ${SERVERS * STACKS_PER_SERVER} stacks`,
      command: "npm run bench -- scale",
      rows,
    };
  } finally {
    agents.stop();
    await repo.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchScale();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
