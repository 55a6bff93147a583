// Gathers what `tug doctor` judges: every enabled server's agent probed now
// (health, info, stats; a few seconds each, in parallel), stacks, syncs and
// backups as core records them.
import pLimit from "p-limit";
import type { AgentPool } from "../../agents/agent-pool.js";
import type { ServerStore } from "../../agents/server-store.js";
import type { StackStore } from "../../deploy/stack-store.js";
import type { SyncStore } from "../../sync/sync-store.js";
import type { Backups } from "../backups/backups.js";
import { type DoctorFacts, type DoctorRow, diagnose, type ServerFacts } from "./diagnose.js";

const PROBE_MS = 8_000;

export interface DoctorDeps {
  servers: ServerStore;
  agents: AgentPool;
  stacks: StackStore;
  syncs: SyncStore;
  backups: Backups;
  backupScheduled: boolean;
  /** The agent version core offers. */
  agentVersion: string;
}

async function probe(
  deps: DoctorDeps,
  server: { name: string; address: string; connection: "inbound" | "outbound" },
): Promise<Omit<ServerFacts, "pinned" | "pending">> {
  const base = { name: server.name, address: server.address, outbound: server.connection === "outbound" };
  const client = await deps.agents.client(server.name);
  if (!client) return { ...base, error: "no settings for it (is its sync applied?)" };
  const signal = AbortSignal.timeout(PROBE_MS);
  try {
    const health = await client.health(signal);
    const sent = Date.now();
    const info = await client.info(signal).catch(() => undefined);
    const received = Date.now();
    const skewMs = info?.time ? Date.parse(info.time) - (sent + received) / 2 : undefined;
    const stats = await client.stats(signal).catch(() => undefined);
    return {
      ...base,
      version: health.version,
      ...(info ? { info } : {}),
      ...(stats ? { stats } : {}),
      ...(skewMs === undefined ? {} : { skewMs }),
    };
  } catch (error) {
    return { ...base, error: signal.aborted ? `no answer in ${PROBE_MS / 1000} s` : (error as Error).message };
  }
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorRow[]> {
  const servers = (await deps.servers.list()).filter((s) => s.enabled);
  const limit = pLimit(16);
  const probed = await Promise.all(servers.map((s) => limit(() => probe(deps, s))));
  // After the probes: a certificate change they saw is recorded by then.
  const rows = new Map((await deps.servers.list()).map((s) => [s.name, s]));
  const backups = await deps.backups.list();
  const facts: DoctorFacts = {
    now: new Date(),
    agentVersion: deps.agentVersion,
    servers: probed.map((p) => ({
      ...p,
      pinned: rows.get(p.name)?.fingerprint ?? null,
      pending: rows.get(p.name)?.pendingFingerprint ?? null,
    })),
    stacks: (await deps.stacks.list()).map((s) => ({
      name: s.name,
      server: s.server,
      state: s.state,
      stopped: s.stopped,
      drifted: s.drift !== null,
      held: s.healHold,
    })),
    syncs: (await deps.syncs.list()).map((s) => ({
      name: s.name,
      status: s.status,
      error: s.errors[0]?.message ?? s.lastError,
      applied: s.appliedCommit !== null && s.appliedCommit === s.headCommit,
    })),
    backups: {
      scheduled: deps.backupScheduled,
      lastOk: backups.find((b) => b.status === "ok")?.createdAt ?? null,
      lastAttempt: backups[0]
        ? {
            createdAt: backups[0].createdAt,
            status: backups[0].status,
            ...(backups[0].error ? { error: backups[0].error } : {}),
          }
        : null,
    },
  };
  return diagnose(facts);
}
