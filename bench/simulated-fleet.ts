// A fleet for benchmarks that measure core alone: agents simulated at the
// protocol level in a process of their own (bench/fake-agents.ts), a fleet
// repository of `servers` × `stacksPerServer` stacks, and one core on SQLite
// that has deployed them all.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadCoreConfig, type RunningCore, startCore } from "@tugboat/core";
import { type GitRepo, gitRepo, tempDir, waitFor } from "@tugboat/testkit";
import { CORE_VERSION } from "../packages/core/src/core.js";
import { benchSecret } from "./bench-secret.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PASSKEY = benchSecret();

export async function startFakeAgents(
  count: number,
  env: Record<string, string>,
): Promise<{ urls: string[]; fingerprint: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ["--conditions=tugboat-source", "--import", "tsx", join(ROOT, "bench/fake-agents.ts"), String(count), CORE_VERSION],
    { stdio: ["ignore", "pipe", "inherit"], cwd: ROOT, env: { ...process.env, ...env } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake agents exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { urls: string[]; fingerprint: string }), stop: () => child.kill("SIGTERM") };
}

/** Core's CPU time (ms) of one call. */
export async function cpuOf(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** The fleet repository of simulated agents: server `s<i>` runs stacks `st<i>-<j>`, all from one compose file. */
export async function writeFleet(
  repo: GitRepo,
  agents: { urls: string[]; fingerprint: string },
  options: { stacksPerServer: number; compose: string; stackConfig?: string },
): Promise<void> {
  const servers = agents.urls.map(
    (url, i) =>
      `[[server]]\nname = "s${i}"\n[server.config]\naddress = "${url}"\nfingerprint = "${agents.fingerprint}"\nenabled = true\nsend_cpu_alerts = false\nsend_mem_alerts = false\nsend_disk_alerts = false\n`,
  );
  const stacks = agents.urls.flatMap((_, i) =>
    Array.from(
      { length: options.stacksPerServer },
      (_, j) =>
        `[[stack]]\nname = "st${i}-${j}"\n[stack.config]\nserver = "s${i}"\nproject_name = "st${i}-${j}"\nrun_directory = "stacks/app"\n${options.stackConfig ?? ""}`,
    ),
  );
  await repo.write("syncs/servers.toml", servers.join("\n"));
  // A file per 50 servers' stacks, as large fleets keep them (one file would pass the 512 KiB limit).
  const perFile = 50 * options.stacksPerServer;
  for (let i = 0; i * perFile < stacks.length; i += 1)
    await repo.write(
      `syncs/stacks${i === 0 ? "" : `-${i}`}.toml`,
      stacks.slice(i * perFile, (i + 1) * perFile).join("\n"),
    );
  await repo.write("stacks/app/compose.yaml", options.compose);
  await repo.commitAndPush("fleet");
}

export interface SimulatedFleet {
  core: RunningCore;
  /** How many stacks (`st<server>-<n>`, each of services app and db). */
  total: number;
  close(): Promise<void>;
}

export async function simulatedFleet(options: {
  servers: number;
  stacksPerServer: number;
  compose: string;
  /** More `[stack.config]` lines for every stack. */
  stackConfig?: string;
  /** Environment of the simulated agents' process. */
  agentEnv?: Record<string, string>;
}): Promise<SimulatedFleet> {
  const agents = await startFakeAgents(options.servers, options.agentEnv ?? {});
  const repo = await gitRepo();
  const data = await tempDir("tug-bench-fleet-");
  const cleanup = async () => {
    agents.stop();
    await repo.cleanup();
    await data.cleanup();
  };
  try {
    await writeFleet(repo, agents, options);
    const core = await startCore(
      await loadCoreConfig({
        env: {},
        overrides: {
          port: 0,
          host: "127.0.0.1",
          data_dir: data.path,
          sync_repo: repo.remote,
          poll_interval: 3600,
          status_interval: 3600,
          image_check_interval: 0,
          agent_passkey: PASSKEY,
          init_admin_username: "admin",
          init_admin_password: benchSecret(),
        },
      }),
      { log: () => {} },
    );
    const total = options.servers * options.stacksPerServer;
    try {
      await waitFor(
        async () => (await core.context.stacks.list()).filter((s) => s.deployedServices !== null).length === total,
        { what: `${total} stacks deployed`, timeoutMs: 600_000, intervalMs: 1000 },
      );
    } catch (error) {
      await core.close();
      throw error;
    }
    return {
      core,
      total,
      async close() {
        await core.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
