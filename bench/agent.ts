// bench/agent.ts: a deploy through the agent vs `docker-compose up -d` run
// directly on the same stack, side by side on one private dockerd; and the
// agent's resident memory after idling with 20 containers while core's
// uptime checks (20 every 15 s) run.
// Goals (issue 4): ratio under 1.10; idle RSS under 60 MB.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "@tugboat/agent";
import { docker, dockerEnv, ensureImage, gitRepo, run, startDockerd, tempDir, waitFor } from "@tugboat/testkit";
import { agentCall, rssMb } from "./agent-process.js";
import { type BenchResult, median, writeResult } from "./result.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 300);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "packages/cli/dist/bin.js");

const services = (count: number, prefix: string) =>
  `services:\n${Array.from({ length: count }, (_, i) => `  ${prefix}${i}:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483647"]\n`).join("")}`;

export async function benchAgent(): Promise<BenchResult> {
  if (!existsSync(CLI)) await run(["npm", "run", "build"], { cwd: ROOT });
  const daemon = await startDockerd();
  const repo = await gitRepo();
  const work = await tempDir("tug-bench-agent-");
  const passkey = "bench-passkey";
  // Run as the systemd unit from `tug agent install` runs it, with its node flags.
  const agentProcess = spawn(
    process.execPath,
    [...AGENT_NODE_FLAGS, CLI, "agent", "--root", join(work.path, "root"), "--port", "0", "--host", "127.0.0.1"],
    {
      env: { ...process.env, TUG_AGENT_PASSKEY: passkey, DOCKER_HOST: daemon.dockerHost },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    await ensureImage(daemon.dockerHost);
    const url = await new Promise<string>((resolve, reject) => {
      agentProcess.stdout.on("data", (chunk: Buffer) => {
        const match = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(chunk.toString());
        if (match) resolve(`https://127.0.0.1:${match[1]}`);
      });
      agentProcess.once("exit", (code) => reject(new Error(`agent exited with ${code}`)));
    });
    await repo.write("stacks/app/compose.yaml", services(3, "svc"));
    await repo.write("stacks/idle/compose.yaml", services(20, "idle"));
    const commit = await repo.commitAndPush("bench");
    // The same stack for the direct runs, in a folder of its own.
    await cp(join(repo.dir, "stacks/app"), join(work.path, "direct"), { recursive: true });
    const env = dockerEnv(daemon.dockerHost);
    const deployBody = (project: string, runDirectory: string) => ({
      repository: { url: repo.remote },
      commit,
      runDirectory,
      projectName: project,
    });

    const viaAgent: number[] = [];
    const direct: number[] = [];
    // Warm-up: the first agent deploy clones the mirror; both sides then start from "down".
    await agentCall(url, passkey, "POST", "/stacks/app/deploy", deployBody("bench-agent", "stacks/app"));
    for (let i = 0; i < RUNS; i += 1) {
      await agentCall(url, passkey, "POST", "/stacks/app/down", {});
      let started = performance.now();
      const result = await agentCall(
        url,
        passkey,
        "POST",
        "/stacks/app/deploy",
        deployBody("bench-agent", "stacks/app"),
      );
      viaAgent.push(performance.now() - started);
      if (!result.includes('"ok":true')) throw new Error(`agent deploy failed: ${result.slice(-500)}`);

      await run(["docker-compose", "-p", "bench-direct", "down", "--timeout", "1"], {
        cwd: join(work.path, "direct"),
        env,
      });
      started = performance.now();
      await run(["docker-compose", "-p", "bench-direct", "up", "-d", "--remove-orphans"], {
        cwd: join(work.path, "direct"),
        env,
      });
      direct.push(performance.now() - started);
    }
    const agentMs = median(viaAgent);
    const directMs = median(direct);

    await agentCall(url, passkey, "POST", "/stacks/idle/deploy", deployBody("bench-idle", "stacks/idle"));
    const running = await waitFor(
      async () => {
        const count = (await docker(daemon.dockerHost, ["ps", "-q"])).stdout.split("\n").filter(Boolean).length;
        return count >= 20 ? count : undefined;
      },
      { what: "20 idle containers", timeoutMs: 120_000 },
    );
    const pid = agentProcess.pid ?? 0;
    const rssStart = await rssMb(pid);
    // As core's status rounds do: 20 uptime checks every 15 s (TCP and HTTPS against the agent itself).
    const checks = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? { name: `tcp-${i}`, kind: "tcp", target: new URL(url).host }
        : { name: `http-${i}`, kind: "http", target: `${url}/health`, expectBody: "ok" },
    );
    const round = async () => {
      const reply = JSON.parse(await agentCall(url, passkey, "POST", "/checks", { checks })) as {
        results: Array<{ ok: boolean; detail: string }>;
      };
      const failed = reply.results.filter((r) => !r.ok);
      if (failed.length > 0) throw new Error(`checks failed: ${failed.map((r) => r.detail).join("; ")}`);
    };
    await round();
    const ticker = setInterval(() => {
      round().catch((error: Error) => console.error(error.message));
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    clearInterval(ticker);
    await agentCall(url, passkey, "GET", "/stats");
    const rssIdle = await rssMb(pid);
    return {
      name: "agent",
      title: "agent: deploy overhead and idle memory",
      command: "npx tsx --conditions=tugboat-source bench/agent.ts",
      rows: [
        { metric: `docker-compose up -d, 3-service stack (median of ${RUNS})`, value: `${directMs.toFixed(0)} ms` },
        {
          metric: "deploy through the agent, same stack (checkout, env file, up, wait)",
          value: `${agentMs.toFixed(0)} ms`,
        },
        {
          metric: "ratio agent / direct",
          value: `${(agentMs / directMs).toFixed(2)}×`,
          goal: "< 1.10",
          ok: agentMs / directMs < 1.1,
        },
        { metric: `agent RSS with ${running} containers, at start of idle`, value: `${rssStart.toFixed(1)} MB` },
        {
          metric: `agent RSS after ${IDLE_SECONDS} s idle (stats sampled every 5 s, 20 uptime checks every 15 s)`,
          value: `${rssIdle.toFixed(1)} MB`,
          goal: "< 60 MB",
          ok: rssIdle < 60,
        },
      ],
    };
  } finally {
    agentProcess.kill("SIGTERM");
    await daemon.stop();
    await repo.cleanup();
    await work.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchAgent();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
