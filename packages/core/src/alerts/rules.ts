// What counts as bad, as pure functions from what the poller saw to
// observations of alert conditions. Field names and defaults are Komodo's.
import type { MaintenanceWindow, ServerConfig } from "@tugboat/config";
import type { ContainerStatus, HostStats } from "@tugboat/protocol";
import { type Severity, thresholdSeverity } from "./alert-machine.js";

import type { AlertRecord } from "./alert-store.js";

export const ALERT_TYPES = [
  "ServerUnreachable",
  "ServerCpu",
  "ServerMem",
  "ServerDisk",
  "ServerVersionMismatch",
  "ServerCertificateChanged",
  "StackStateChange",
  "StackDeployFailed",
  "StackDrifted",
  "StackFlapping",
  "StackRolledBack",
  "CheckFailed",
  "ImageUpdateAvailable",
  "ImageVersionsAvailable",
  "LogPattern",
  "ResourceSyncFailed",
  "SwarmNodeDown",
  "SwarmUnhealthy",
  "BackupFailed",
  "Test",
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface Observation {
  /** One open alert per condition: `server-cpu:apollo`, `stack:immich`, … */
  condition: string;
  type: AlertType;
  /** `fleet`: a notice about the whole fleet (the batched newer-versions one). */
  target: { kind: "server" | "stack" | "sync" | "swarm" | "fleet"; name: string };
  /** The server whose maintenance windows apply. */
  server?: string;
  /** Maintenance windows of the target itself (a swarm's): an alert opened inside one is kept, not sent. */
  windows?: readonly MaintenanceWindow[];
  /** Null: the condition is clear. */
  severity: Severity | null;
  message: string;
  details: Record<string, unknown>;
  /** Consecutive bad samples before an alert opens (events: 1). */
  openAfter?: number;
  /** An alert already open at this severity takes this message and these details (nobody is notified again). */
  update?: boolean;
  /**
   * Only for an open alert this accepts: the observation then just updates it
   * (message, details); it never opens, escalates or resolves one.
   */
  ifOpen?: (open: AlertRecord) => boolean;
}

const percent = (used: number, total: number) => (total > 0 ? (used / total) * 100 : 0);
const round = (value: number) => Math.round(value * 10) / 10;

/** Observations of one server from one poll: reachability, version, certificate, and usage when stats came back. */
export function serverObservations(input: {
  server: string;
  settings: ServerConfig;
  reachable: boolean;
  error?: string;
  agentVersion?: string | null;
  coreVersion: string;
  pendingFingerprint?: string | null;
  /** The fingerprint core trusts; null when none is yet (first contact). */
  trustedFingerprint?: string | null;
  stats?: HostStats;
}): Observation[] {
  const { server, settings } = input;
  const base = { target: { kind: "server" as const, name: server }, server };
  const out: Observation[] = [];
  if (settings.send_unreachable_alerts) {
    out.push({
      ...base,
      condition: `server-unreachable:${server}`,
      type: "ServerUnreachable",
      // A refused certificate has its own alert; unreachable would say the same twice.
      severity: input.reachable || input.pendingFingerprint ? null : "critical",
      message: input.reachable
        ? `${server} is reachable again`
        : `${server} is unreachable: ${input.error ?? "no answer"}`,
      details: input.reachable ? {} : { error: input.error ?? "no answer" },
    });
  }
  out.push({
    ...base,
    condition: `server-certificate:${server}`,
    type: "ServerCertificateChanged",
    // A changed certificate may be an impostor: critical. A first contact waits for an admin: a warning.
    severity: input.pendingFingerprint ? (input.trustedFingerprint ? "critical" : "warning") : null,
    message: !input.pendingFingerprint
      ? `${server}'s certificate is trusted`
      : input.trustedFingerprint
        ? `${server}'s agent presented a different certificate; core refuses it until an admin accepts it`
        : `${server}'s agent is not trusted yet (certificate ${input.pendingFingerprint}); core sends it nothing until an admin accepts that fingerprint or the server's TOML gives it`,
    details: input.pendingFingerprint ? { fingerprint: input.pendingFingerprint } : {},
    openAfter: 1,
  });
  if (!input.reachable) return out;
  if (settings.send_version_mismatch_alerts && input.agentVersion) {
    const differs = input.agentVersion !== input.coreVersion;
    out.push({
      ...base,
      condition: `server-version:${server}`,
      type: "ServerVersionMismatch",
      severity: differs ? "warning" : null,
      message: differs
        ? `${server} runs agent ${input.agentVersion}; core offers ${input.coreVersion} (tug agent upgrade --server ${server})`
        : `${server} runs the agent version core offers`,
      details: { agent: input.agentVersion, core: input.coreVersion },
    });
  }
  const stats = input.stats;
  if (!stats) return out;
  if (settings.send_cpu_alerts) {
    out.push({
      ...base,
      condition: `server-cpu:${server}`,
      type: "ServerCpu",
      ...usage("CPU", server, stats.cpuPercent, settings.cpu_warning, settings.cpu_critical),
    });
  }
  if (settings.send_mem_alerts) {
    const used = percent(stats.memory.usedBytes, stats.memory.totalBytes);
    out.push({
      ...base,
      condition: `server-mem:${server}`,
      type: "ServerMem",
      ...usage("memory", server, used, settings.mem_warning, settings.mem_critical),
    });
  }
  if (settings.send_disk_alerts) {
    for (const disk of stats.disks.filter((d) => !settings.ignore_mounts.includes(d.mount))) {
      const used = percent(disk.usedBytes, disk.totalBytes);
      out.push({
        ...base,
        condition: `server-disk:${server}:${disk.mount}`,
        type: "ServerDisk",
        ...usage(`disk ${disk.mount}`, server, used, settings.disk_warning, settings.disk_critical),
        details: {
          mount: disk.mount,
          percent: round(used),
          warning: settings.disk_warning,
          critical: settings.disk_critical,
        },
      });
    }
  }
  return out;
}

function usage(what: string, server: string, value: number, warning: number, critical: number) {
  const severity = thresholdSeverity(value, warning, critical);
  const limit = severity === "critical" ? critical : warning;
  return {
    severity,
    message: severity
      ? `${server}: ${what} at ${round(value)}% (${severity} threshold ${limit}%)`
      : `${server}: ${what} at ${round(value)}%, below ${warning}%`,
    details: { percent: round(value), warning, critical },
  };
}

/** Restarts seen per container id: the count and when it last went up (ms). */
export type RestartHistory = Map<string, { count: number; increasedAt: number }>;

/** How long a restart keeps a stack in "restart loop" after it happened. */
export const RESTART_WINDOW_MS = 5 * 60_000;

/**
 * A stack's condition from its containers. Bad: no containers, a service that
 * exited with an error, is dead, unhealthy or restarting, or restarted within
 * the last five minutes (a loop the poller may catch between two restarts).
 */
export function stackObservation(input: {
  stack: string;
  server: string;
  containers: readonly ContainerStatus[];
  stoppedOnPurpose: boolean;
  history: RestartHistory;
  now: number;
}): { observation: Observation; history: RestartHistory } {
  const { stack, containers, now } = input;
  const history: RestartHistory = new Map();
  const problems: string[] = [];
  for (const c of containers) {
    const before = input.history.get(c.id);
    const createdRecently = now - Date.parse(c.created) < RESTART_WINDOW_MS;
    const increased = before ? c.restartCount > before.count : c.restartCount > 0 && createdRecently;
    const increasedAt = increased ? now : (before?.increasedAt ?? 0);
    history.set(c.id, { count: c.restartCount, increasedAt });
    if (c.skip) continue;
    if (c.state === "restarting" || now - increasedAt < RESTART_WINDOW_MS)
      problems.push(`${c.service} is in a restart loop (${c.restartCount} restarts)`);
    else if (c.state === "exited" && c.exitCode !== 0) problems.push(`${c.service} exited with code ${c.exitCode}`);
    else if (c.state === "dead") problems.push(`${c.service} is dead`);
    else if (c.state === "running" && c.health === "unhealthy") problems.push(`${c.service} is unhealthy`);
  }
  if (containers.length === 0) problems.push("no containers are running");
  const bad = !input.stoppedOnPurpose && problems.length > 0;
  return {
    history,
    observation: {
      condition: `stack:${stack}`,
      type: "StackStateChange",
      target: { kind: "stack", name: stack },
      server: input.server,
      severity: bad ? "critical" : null,
      message: bad ? `${stack} on ${input.server}: ${problems.join("; ")}` : `${stack} on ${input.server} is healthy`,
      details: bad ? { problems } : {},
    },
  };
}
