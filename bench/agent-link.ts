// bench/agent-link.ts: the same agent reached both ways, side by side on one
// private dockerd and one core: an inbound agent (core dials it over HTTPS)
// and an outbound one (it dials core's agent link). Core polls both as it
// does by default (status and stats every 15 s) and collects their logs.
// Measured: a status request through each transport, and each agent's
// resident memory (the single-file build, with its unit's flags) after idling
// with 20 containers while core collects their logs.
// Goal (issue 18): an outbound agent idles under 60 MB.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "@tugboat/agent";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { ensureImage, freePort, gitRepo, run, startDockerd, tempDir, waitFor } from "@tugboat/testkit";
import { rssMb } from "./agent-process.js";
import { type BenchResult, median, writeResult } from "./result.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 180);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The single-file build, as hosts run it (tug agent install --build, the Ansible role, upgrades). */
const BUILD = join(ROOT, "packages/agent/bundle/tugboat-agent.mjs");
const PASSKEY = "bench-passkey";

const idle = (prefix: string) =>
  `services:\n${Array.from({ length: 20 }, (_, i) => `  ${prefix}${i}:\n    image: local/busybox:1\n    init: true\n    command: ["sleep", "2147483647"]\n`).join("")}`;

/** The agent's build as its systemd unit runs it; resolves with its output once it matches `ready`. */
function agent(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, BUILD, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ child, match });
    });
    child.once("exit", (code) => reject(new Error(`agent exited with ${code}: ${output}`)));
  });
}

export async function benchAgentLink(): Promise<BenchResult> {
  if (!existsSync(BUILD)) await run(["npm", "run", "build"], { cwd: ROOT });
  const daemon = await startDockerd();
  const repo = await gitRepo();
  const work = await tempDir("tug-bench-link-");
  const children: ChildProcess[] = [];
  try {
    await ensureImage(daemon.dockerHost);
    const inbound = await agent(
      ["--root", join(work.path, "inbound"), "--port", "0", "--host", "127.0.0.1"],
      { TUG_AGENT_PASSKEY: PASSKEY, DOCKER_HOST: daemon.dockerHost },
      /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*fingerprint \(SHA-256\): ([0-9A-F:]+)/,
    );
    children.push(inbound.child);
    const [, address, fingerprint] = inbound.match;
    const server = (name: string, config: string) =>
      `[[server]]\nname = "${name}"\n[server.config]\n${config}\nenabled = true\n`;
    const stack = (name: string, host: string) =>
      `\n[[stack]]\nname = "${name}"\n[stack.config]\nserver = "${host}"\nproject_name = "bench-${name}"\nrun_directory = "stacks/${name}"\n`;
    await repo.write(
      "servers.toml",
      `${server("dialled", `address = "${address}"\nfingerprint = "${fingerprint}"`)}\n${server("dialling", 'connection = "outbound"')}`,
    );
    await repo.write("stacks.toml", stack("in", "dialled") + stack("out", "dialling"));
    await repo.write("stacks/in/compose.yaml", idle("in"));
    await repo.write("stacks/out/compose.yaml", idle("out"));
    await repo.commitAndPush("two hosts");
    const core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: {
          port: 0,
          host: "127.0.0.1",
          data_dir: join(work.path, "core"),
          sync_repo: repo.remote,
          agent_passkey: PASSKEY,
          status_interval: Number(process.env.BENCH_STATUS_INTERVAL ?? 15),
          image_check_interval: 0,
          backup_schedule: "off",
          logs: process.env.BENCH_CORE_LOGS !== "0",
          agent_link_port: await freePort(),
          agent_link_host: "127.0.0.1",
        },
      }),
      { log: () => {} },
    );
    try {
      await waitFor(async () => (await core.context.servers.get("dialling")) !== undefined, {
        what: "the servers",
        timeoutMs: 60_000,
      });
      const tokenFile = join(work.path, "agent.token");
      await writeFile(tokenFile, await core.context.agentLink.tokens.enroll("dialling", "bench"), { mode: 0o600 });
      const outbound = await agent(
        [
          ...[
            "--root",
            join(work.path, "outbound"),
            "--core",
            `wss://127.0.0.1:${core.context.agentLink.listener?.port}`,
          ],
          ...["--token-file", tokenFile, "--core-fingerprint", core.context.agentLink.listener?.fingerprint ?? ""],
        ],
        { DOCKER_HOST: daemon.dockerHost },
        /(linked to core)/,
      );
      children.push(outbound.child);
      await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", {
        what: "both stacks deployed",
        timeoutMs: 180_000,
      });
      const timeStatus = async (name: string, project: string) => {
        const times: number[] = [];
        for (let i = 0; i < CALLS; i += 1) {
          const client = await core.context.agents.client(name);
          const started = performance.now();
          await client?.status(name === "dialled" ? "in" : "out", project);
          times.push(performance.now() - started);
        }
        return median(times);
      };
      // Alternating rounds, so neither side runs on a warmer machine.
      const https: number[] = [];
      const link: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        https.push(await timeStatus("dialled", "bench-in"));
        link.push(await timeStatus("dialling", "bench-out"));
      }
      const [inPid, outPid] = [inbound.child.pid ?? 0, outbound.child.pid ?? 0];
      const start = { in: await rssMb(inPid), out: await rssMb(outPid) };
      await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
      const end = { in: await rssMb(inPid), out: await rssMb(outPid) };
      const [httpsMs, linkMs] = [median(https), median(link)];
      return {
        name: "agent-link",
        title: "outbound agents: a request through the link, and idle memory",
        command: "npx tsx --conditions=tugboat-source bench/agent-link.ts",
        rows: [
          { metric: `stack status over HTTPS, core dials (median of 3 × ${CALLS})`, value: `${httpsMs.toFixed(1)} ms` },
          { metric: "the same through the agent's link", value: `${linkMs.toFixed(1)} ms` },
          { metric: "ratio link / HTTPS", value: `${(linkMs / httpsMs).toFixed(2)}×` },
          {
            metric: `inbound agent RSS, 20 containers, core polling status and stats and collecting logs: start → after ${IDLE_SECONDS} s`,
            value: `${start.in.toFixed(1)} → ${end.in.toFixed(1)} MB`,
          },
          {
            metric: "outbound agent RSS, the same",
            value: `${start.out.toFixed(1)} → ${end.out.toFixed(1)} MB`,
            goal: "< 60 MB",
            ok: end.out < 60,
          },
        ],
      };
    } finally {
      await core.close();
    }
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
  const result = await benchAgentLink();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
