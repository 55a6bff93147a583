// bench/logs.ts: the fleet's logs, each figure against its baseline in one run.
// 1. Ingest: core pulling from three agents simulated at the protocol level
//    (bench/fake-agents.ts, BENCH_LOG_INGEST lines each), storing and indexing
//    them, against appending the same lines to a file.
// 2. Search over BENCH_LOG_SEARCH_LINES (10 million) stored lines: p50/p95 of
//    a page of results (the newest 100) for rare, common and phrase queries,
//    against `grep` over the same lines in a file; and bytes stored per line.
// 3. The agent with shipping on: RSS idle with 20 containers, and its peak
//    while one container prints 10,000 lines a second (a reader in this
//    process pulls and acknowledges, as core does).
import { spawn } from "node:child_process";
import { appendFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "@tugboat/agent";
import type { ShippedLine } from "@tugboat/protocol";
import { docker, ensureImage, gitRepo, run, startDockerd, tempDir, waitFor } from "@tugboat/testkit";
import { openLogDatabase } from "../packages/core/src/logs/log-database.js";
import { LogStore } from "../packages/core/src/logs/log-store.js";
import { agentCall, rssMb } from "./agent-process.js";
import { logLine } from "./log-lines.js";
import { type BenchResult, writeResult } from "./result.js";
import { simulatedFleet } from "./simulated-fleet.js";

const INGEST = Number(process.env.BENCH_LOG_INGEST ?? 200_000);
const SEARCH_LINES = Number(process.env.BENCH_LOG_SEARCH_LINES ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 120);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "packages/cli/dist/bin.js");

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function ingest(): Promise<BenchResult["rows"]> {
  const fleet = await simulatedFleet({
    servers: 3,
    stacksPerServer: 1,
    compose: "services:\n  app:\n    image: local/busybox:1\n",
    agentEnv: { BENCH_FAKE_LOG_LINES: String(INGEST) },
  });
  try {
    const started = process.hrtime.bigint();
    const total = INGEST * 3;
    await waitFor(async () => (await fleet.core.context.logs.store.size()).rows >= total, {
      what: `${total} lines stored`,
      timeoutMs: 3_600_000,
      intervalMs: 200,
    });
    const coreMs = ms(started);
    // The same lines, appended to a file in batches of the same size.
    const dir = await tempDir("tug-bench-logs-file-");
    try {
      const file = join(dir.path, "lines.log");
      const fileStarted = process.hrtime.bigint();
      for (let agent = 0; agent < 3; agent++)
        for (let n = 1; n <= INGEST; n += 500) {
          const batch = Array.from({ length: Math.min(500, INGEST - n + 1) }, (_, i) => `${logLine(n + i)}\n`);
          await appendFile(file, batch.join(""));
        }
      const fileMs = ms(fileStarted);
      const perSecond = (total / coreMs) * 1000;
      const filePerSecond = (total / fileMs) * 1000;
      return [
        {
          metric: `ingest from 3 agents (${total} lines): core stores and indexes`,
          value: `${Math.round(perSecond)} lines/s`,
        },
        { metric: "the same lines appended to a file", value: `${Math.round(filePerSecond)} lines/s` },
        { metric: "core against the file", value: `${(perSecond / filePerSecond).toFixed(3)}×` },
      ];
    } finally {
      await dir.cleanup();
    }
  } finally {
    await fleet.close();
  }
}

const QUERIES: Array<{ name: string; query: string; grep: string[] }> = [
  { name: "a rare word (1 in 100,000)", query: "panic", grep: ["-F", "-w", "panic"] },
  { name: "a word in 5 % of lines", query: "timeout", grep: ["-F", "-w", "timeout"] },
  { name: 'a phrase ("connection refused")', query: '"connection refused"', grep: ["-F", "connection refused"] },
  { name: "a word in 25 % of lines", query: "processed", grep: ["-F", "-w", "processed"] },
];

async function search(): Promise<BenchResult["rows"]> {
  const dir = await tempDir("tug-bench-logs-search-");
  try {
    await mkdir(dir.path, { recursive: true });
    const database = await openLogDatabase({ dataDir: dir.path });
    const store = new LogStore(database.db, database.dialect);
    const file = join(dir.path, "lines.log");
    await writeFile(file, "");
    const filled = process.hrtime.bigint();
    const BATCH = 5_000;
    for (let n = 1; n <= SEARCH_LINES; n += BATCH) {
      const lines: ShippedLine[] = [];
      for (let i = 0; i < Math.min(BATCH, SEARCH_LINES - n + 1); i++) {
        const k = n + i;
        lines.push({
          seq: k,
          ts: new Date(Date.UTC(2026, 11, 1) + k).toISOString().replace("Z", "000000Z"),
          stack: `app-${k % 20}`,
          service: "app",
          container: `c${k % 20}`.padEnd(64, "0"),
          stream: "stdout",
          line: logLine(k),
        });
      }
      await store.append(`server-${n % 3}`, lines);
      await appendFile(file, `${lines.map((l) => l.line).join("\n")}\n`);
    }
    const fillSeconds = ms(filled) / 1000;
    const { bytes, rows } = await store.size();
    const textBytes = (await stat(file)).size;
    const out: BenchResult["rows"] = [
      {
        metric: `stored ${rows} lines (stored and written to the file in ${fillSeconds.toFixed(0)} s)`,
        value: `${(bytes / rows).toFixed(0)} bytes/line stored (the text alone: ${(textBytes / rows).toFixed(0)})`,
      },
    ];
    for (const q of QUERIES) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const start = process.hrtime.bigint();
        await store.search({ query: q.query }, { limit: 100 });
        ours.push(ms(start));
        const grepStart = process.hrtime.bigint();
        // The newest 100 matching lines, as the search returns them.
        await run(["sh", "-c", 'grep "$@" | tail -n 100 > /dev/null', "grep", ...q.grep, file], { allowFailure: true });
        theirs.push(ms(grepStart));
      }
      out.push({
        metric: `search, ${q.name}: p50 / p95 (grep: p50 / p95)`,
        value: `${percentile(ours, 50).toFixed(1)} / ${percentile(ours, 95).toFixed(1)} ms (grep ${percentile(theirs, 50).toFixed(0)} / ${percentile(theirs, 95).toFixed(0)} ms)`,
      });
    }
    // Stacks app-15 to app-19 log the "timeout" lines; app-3 never does, so its search reads every posting.
    for (const [stack, what] of [
      ["app-15", "a 5 % word in one stack of 20 that logs it"],
      ["app-3", "a 5 % word in one stack of 20 that never logs it (every posting read)"],
    ] as const) {
      const filtered: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const start = process.hrtime.bigint();
        await store.search({ query: "timeout", stacks: [stack] }, { limit: 100 });
        filtered.push(ms(start));
      }
      out.push({
        metric: `search, ${what}: p50 / p95`,
        value: `${percentile(filtered, 50).toFixed(1)} / ${percentile(filtered, 95).toFixed(1)} ms`,
      });
    }
    await database.close();
    return out;
  } finally {
    await dir.cleanup();
  }
}

async function agentMemory(): Promise<BenchResult["rows"]> {
  await run(["npm", "run", "build", "--silent"], { cwd: ROOT });
  const daemon = await startDockerd();
  const repo = await gitRepo();
  const work = await tempDir("tug-bench-logs-agent-");
  const passkey = "bench-passkey";
  const agent = spawn(
    process.execPath,
    [...AGENT_NODE_FLAGS, CLI, "agent", "--root", join(work.path, "root"), "--port", "0", "--host", "127.0.0.1"],
    {
      env: { ...process.env, TUG_AGENT_PASSKEY: passkey, DOCKER_HOST: daemon.dockerHost },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  agent.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const stopReading = new AbortController();
  try {
    await ensureImage(daemon.dockerHost);
    const url = (
      await waitFor(() => /listening on (https:\/\/\S+)/.exec(output)?.[1], { what: "the agent", timeoutMs: 30_000 })
    ).replace("0.0.0.0", "127.0.0.1");
    const idle = Array.from(
      { length: 20 },
      (_, i) =>
        `  idle${i}:\n    image: local/busybox:1\n    init: true\n    command: ["sh", "-c", "echo started; exec sleep 2147483647"]\n`,
    );
    await repo.write("idle/compose.yaml", `services:\n${idle.join("")}`);
    // 10,000 lines a second: a burst of 10,000 every second.
    await repo.write(
      "loud/compose.yaml",
      'services:\n  loud:\n    image: local/busybox:1\n    init: true\n    command: ["sh", "-c", "while true; do seq 1 10000; sleep 1; done"]\n',
    );
    const commit = await repo.commitAndPush("stacks");
    const deploy = (name: string) =>
      agentCall(url, passkey, "POST", `/stacks/${name}/deploy`, {
        repository: { url: repo.remote },
        commit,
        projectName: `bench-${name}`,
        runDirectory: name,
        timeoutSeconds: 120,
      });
    await deploy("idle");
    // A reader that pulls and acknowledges, as core does, counting what it gets.
    let received = 0;
    const reader = (async () => {
      let epoch = "";
      let after = 0;
      while (!stopReading.signal.aborted) {
        const batch = JSON.parse(
          await agentCall(url, passkey, "POST", "/logs/batch", {
            epoch,
            after,
            waitMs: 1000,
            max: 2000,
            ...(epoch === "" ? { cursors: {}, from: new Date(Date.now() - 60_000).toISOString() } : {}),
          }),
        ) as { epoch: string; lines: Array<{ seq: number }> };
        if (batch.epoch !== epoch) after = 0;
        epoch = batch.epoch;
        received += batch.lines.length;
        after = Math.max(after, ...batch.lines.map((l) => l.seq));
      }
    })().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const pid = agent.pid ?? 0;
    const idleRss = await rssMb(pid);
    await deploy("loud");
    const before = received;
    const started = Date.now();
    let peak = 0;
    while (Date.now() - started < 30_000) {
      peak = Math.max(peak, await rssMb(pid));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const shipped = ((received - before) / (Date.now() - started)) * 1000;
    stopReading.abort();
    await reader;
    return [
      {
        metric: `agent RSS with shipping on, 20 idle containers, after ${IDLE_SECONDS} s`,
        value: `${idleRss.toFixed(1)} MB`,
        goal: "< 60 MB",
        ok: idleRss < 60,
      },
      { metric: "agent RSS peak while one container prints 10,000 lines/s (30 s)", value: `${peak.toFixed(1)} MB` },
      { metric: "lines shipped per second meanwhile", value: `${Math.round(shipped)}` },
    ];
  } finally {
    stopReading.abort();
    agent.kill("SIGTERM");
    await docker(daemon.dockerHost, ["ps", "-q"]).catch(() => undefined);
    await daemon.stop();
    await repo.cleanup();
    await work.cleanup();
  }
}

export async function benchLogs(): Promise<BenchResult> {
  // BENCH_LOG_PARTS=search (or ingest, agent; comma-separated) runs some parts only.
  const parts = (process.env.BENCH_LOG_PARTS ?? "ingest,search,agent").split(",");
  const rows = [
    ...(parts.includes("ingest") ? await ingest() : []),
    ...(parts.includes("search") ? await search() : []),
    ...(parts.includes("agent") ? await agentMemory() : []),
  ];
  return {
    name: "logs",
    title: `the fleet's logs: ingest, search over ${SEARCH_LINES.toLocaleString("en")} lines, agent memory (SQLite)`,
    command: "npx tsx --conditions=tugboat-source bench/logs.ts",
    rows,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchLogs();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
