// `tug up` (`npm start`): Tugboat's main job on its embedded defaults, on one
// machine. Three private Docker daemons stand in for the example's three
// hosts, each with an agent; core (SQLite in the data dir) syncs
// examples/homelab, made a Git repository on first run.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AgentConfig, type RunningAgent, startAgent } from "@tugboat/agent";
import { loadCoreConfig, type RunningCore, startCore } from "@tugboat/core";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { prepareFleetRepo } from "./fleet-repo.js";
import { ensureBusyboxImage } from "./image.js";
import { type DemoDaemon, startDemoDaemon } from "./private-dockerd.js";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/homelab", import.meta.url));
const HOSTS = ["hercules", "apollo", "oci-dmz"] as const;

interface Saved {
  passkey: string;
  adminPassword: string;
}

function cannotRun(): string | undefined {
  if (process.platform !== "linux") return "the demo runs its own Docker daemons, which needs Linux";
  if (process.getuid?.() !== 0)
    return "the demo starts private Docker daemons, which needs root: run it as root (sudo npm start)";
  try {
    execFileSync("sh", ["-c", "command -v dockerd && command -v docker"], { stdio: "ignore" });
  } catch {
    return "Docker Engine is not installed: apt-get install -y docker.io docker-compose busybox-static (or run scripts/install-system-deps.sh)";
  }
  return undefined;
}

export async function up(options: { dataDir?: string; port?: string } = {}): Promise<number> {
  const problem = cannotRun();
  if (problem) {
    process.stderr.write(`tug up: ${problem}\n`);
    return EXIT_FAILED;
  }
  const dataDir = resolve(options.dataDir ?? process.env.TUG_DATA_DIR ?? "./data");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const savedFile = join(dataDir, "demo.json");
  const firstRun = !existsSync(savedFile);
  const saved: Saved = firstRun
    ? { passkey: randomBytes(24).toString("base64url"), adminPassword: randomBytes(12).toString("base64url") }
    : (JSON.parse(await readFile(savedFile, "utf8")) as Saved);
  if (firstRun) await writeFile(savedFile, JSON.stringify(saved, null, 2), { mode: 0o600 });

  const daemons: DemoDaemon[] = [];
  const agents: RunningAgent[] = [];
  let core: RunningCore | undefined;
  const shutdown = async () => {
    await core?.close().catch(() => undefined);
    for (const agent of agents) await agent.close().catch(() => undefined);
    for (const daemon of daemons) await daemon.stop().catch(() => undefined);
  };
  try {
    process.stdout.write("starting three private Docker daemons (one per example host)…\n");
    daemons.push(...(await Promise.all(HOSTS.map((_, index) => startDemoDaemon({ dataDir, index })))));
    for (const daemon of daemons) ensureBusyboxImage(daemon.dockerHost);
    for (const [index, daemon] of daemons.entries()) {
      const config = AgentConfig.parse({
        port: 0,
        host: "127.0.0.1",
        root: join(dataDir, `agent-${index}`),
        docker_host: daemon.dockerHost,
      });
      agents.push(await startAgent({ ...config, passkey: saved.passkey }, { log: () => {} }));
    }
    const fleet = join(dataDir, "fleet");
    await prepareFleetRepo({
      example: EXAMPLE,
      dir: fleet,
      agents: Object.fromEntries(
        HOSTS.map((host, i) => [host, { url: agents[i]?.url ?? "", fingerprint: agents[i]?.fingerprint ?? "" }]),
      ),
    });
    const config = await loadCoreConfig({
      env: {
        ...process.env,
        TUG_DATA_DIR: join(dataDir, "core"),
        TUG_SYNC_REPO: fleet,
        TUG_AGENT_PASSKEY: saved.passkey,
        TUG_INIT_ADMIN_USERNAME: "admin",
        TUG_INIT_ADMIN_PASSWORD: saved.adminPassword,
        TUG_SECRET_POSTGRES_PASSWORD: process.env.TUG_SECRET_POSTGRES_PASSWORD ?? saved.adminPassword,
      },
      overrides: { host: "127.0.0.1", ...(options.port ? { port: options.port } : {}) },
    });
    core = await startCore(config, { log: (line) => process.stdout.write(`core: ${line}\n`) });
    process.stdout.write(
      [
        "",
        `Tugboat is running: ${core.url}  (open it in a browser; API: ${core.url}/api, OpenAPI: ${core.url}/api/openapi.json)`,
        `admin login: admin / ${firstRun ? saved.adminPassword : `(the password in ${savedFile})`}`,
        `fleet repository: ${fleet}  (commit there; core polls every ${config.poll_interval} s)`,
        `try: npx tug login --core ${core.url} --username admin && npx tug ls stacks`,
        "ready (Ctrl-C stops everything; data stays in the data dir)",
        "",
      ].join("\n"),
    );
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    process.stdout.write("stopping…\n");
    return EXIT_OK;
  } finally {
    await shutdown();
  }
}
