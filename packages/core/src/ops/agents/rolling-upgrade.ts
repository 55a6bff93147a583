// `tug agent upgrade`: one host at a time, the host is held (its running
// deploys end; new ones wait), the agent gets the build and restarts, and
// core waits until it answers with the new version on its pinned certificate
// before releasing the host and going on. The first host that fails stops the
// rollout: the rest keep what they run.
import type { AgentPool } from "../../agents/agent-pool.js";
import type { UpdateLog } from "../../updates/update-log.js";
import type { AgentBuilds } from "./agent-build.js";

export interface UpgradeDeps {
  agents: AgentPool;
  builds: AgentBuilds;
  hold: (server: string) => Promise<() => void>;
  log: UpdateLog;
  /** How long a restarted agent may take to answer again. */
  healthyWithinMs?: number;
}

export interface UpgradeRequest {
  servers: string[];
  rollback: boolean;
  updateId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the agent's health until it reports `version` (after `since`, so not the old process). */
async function healthyAt(deps: UpgradeDeps, server: string, version: string | undefined): Promise<string> {
  const until = Date.now() + (deps.healthyWithinMs ?? 120_000);
  let last = "no answer yet";
  while (Date.now() < until) {
    await sleep(500);
    const client = await deps.agents.client(server);
    if (!client) throw new Error(`${server} is no longer declared`);
    try {
      const health = await client.health(AbortSignal.timeout(5_000));
      // Health goes without credentials: an info call proves the pinned certificate and the passkey too.
      await client.info();
      if (version === undefined || health.version === version) return health.version;
      last = `answers with ${health.version}`;
    } catch (error) {
      last = (error as Error).message;
    }
  }
  throw new Error(`${server} did not come back${version ? ` with ${version}` : ""}: ${last}`);
}

export async function rollingUpgrade(deps: UpgradeDeps, request: UpgradeRequest): Promise<void> {
  const writer = deps.log.writer(request.updateId);
  await deps.log.store.start(request.updateId);
  const step = (text: string) => writer.emit({ type: "step", step: text });
  const done: Array<{ server: string; from: string; to: string }> = [];
  try {
    const build = request.rollback ? undefined : await deps.builds.read();
    if (build) step(`build ${build.version}, sha256 ${build.sha256}`);
    for (const server of request.servers) {
      const client = await deps.agents.client(server);
      if (!client) throw new Error(`server ${server} is not known to core`);
      const before = (await client.health(AbortSignal.timeout(10_000))).version;
      if (build && before === build.version) {
        step(`${server}: already runs ${before}`);
        continue;
      }
      step(`${server}: holding deploys, waiting for running ones to end`);
      const release = await deps.hold(server);
      try {
        step(`${server}: ${build ? `upgrading ${before} → ${build.version}` : `rolling back from ${before}`}`);
        const result = build ? await client.upgrade(build) : await client.rollBack();
        const now = await healthyAt(deps, server, result.to);
        step(`${server}: healthy, runs ${now}`);
        done.push({ server, from: before, to: now });
      } finally {
        release();
      }
    }
    await writer.end("success", { servers: done });
  } catch (error) {
    const message = (error as Error).message;
    step(`stopped: ${message}`);
    await writer.end("failed", { servers: done, error: { code: "E_AGENT_UPGRADE_FAILED", message } });
  }
}
