// `tug doctor`: what core and its agents report, judged row by row as ok,
// warn or fail, each with the fix to try. Pure: facts in, rows out.
import type { AgentInfo, HostStats } from "@tugboat/protocol";

export type Verdict = "ok" | "warn" | "fail";

export interface DoctorRow {
  check: string;
  target: string;
  status: Verdict;
  detail: string;
  /** What to try; "" for ok rows. */
  fix: string;
}

export interface ServerFacts {
  name: string;
  address: string;
  /** Its agent dials core (no address, no certificate for core to pin). */
  outbound?: boolean;
  /** The probe's error when the agent did not answer (nothing else is known then). */
  error?: string;
  version?: string;
  /** The pinned fingerprint, and one the agent showed that differs from it. */
  pinned: string | null;
  pending: string | null;
  info?: AgentInfo;
  stats?: HostStats;
  /** Agent clock minus core clock, ms (round trip halved). */
  skewMs?: number;
}

export interface DoctorFacts {
  now: Date;
  /** The agent version core offers (its build), that agents should run. */
  agentVersion: string;
  servers: ServerFacts[];
  stacks: Array<{
    name: string;
    server: string;
    state: string;
    stopped: boolean;
    drifted: boolean;
    held: string | null;
  }>;
  /** `applied`: its head commit was applied (a failure then is a deploy's, which the stack rows show). */
  syncs: Array<{ name: string; status: string; error: string | null; applied: boolean }>;
  backups: {
    scheduled: boolean;
    lastOk: string | null;
    lastAttempt: { createdAt: string; status: "ok" | "failed"; error?: string } | null;
  };
}

export const LIMITS = {
  diskWarnPercent: 85,
  diskFailPercent: 95,
  skewWarnMs: 2_000,
  skewFailMs: 30_000,
  /** A daily backup older than this is late. */
  backupWarnHours: 26,
  backupFailHours: 72,
};

const row = (check: string, target: string, status: Verdict, detail: string, fix = ""): DoctorRow => ({
  check,
  target,
  status,
  detail,
  fix: status === "ok" ? "" : fix,
});

function serverRows(server: ServerFacts, agentVersion: string): DoctorRow[] {
  const { name } = server;
  if (server.error !== undefined && server.outbound)
    return [
      row(
        "agent",
        name,
        "fail",
        `not linked: ${server.error}`,
        `on the host: systemctl status tugboat-agent; its log says why it cannot reach core's agent link or why core refused it (a revoked token: tug server enroll ${name})`,
      ),
    ];
  if (server.error !== undefined)
    // Nothing else about the host can be known: one row, not five.
    return [
      row(
        "agent",
        name,
        "fail",
        `unreachable at ${server.address}: ${server.error}`,
        "on the host: systemctl status tugboat-agent; from core: can it reach the address and port?",
      ),
    ];
  const rows = [
    row("agent", name, "ok", server.outbound ? "answers through its outbound link" : `answers at ${server.address}`),
  ];
  rows.push(
    server.version === agentVersion
      ? row("version", name, "ok", server.version)
      : row(
          "version",
          name,
          "warn",
          `agent ${server.version}, core offers ${agentVersion}`,
          `tug agent upgrade --server ${name}`,
        ),
  );
  if (server.outbound)
    rows.push(
      row("certificate", name, "ok", "outbound: the agent checks core's certificate; core knows it by its token"),
    );
  else if (server.pending)
    rows.push(
      row(
        "certificate",
        name,
        "fail",
        `shows ${server.pending.slice(0, 23)}…, pinned ${server.pinned?.slice(0, 23) ?? "none"}…`,
        "if the agent was reinstalled, set its new fingerprint in the [[server]]; otherwise treat it as an attack",
      ),
    );
  else if (!server.pinned)
    rows.push(row("certificate", name, "warn", "no certificate pinned yet", `set fingerprint in ${name}'s [[server]]`));
  else rows.push(row("certificate", name, "ok", `pinned ${server.pinned.slice(0, 23)}…`));
  if (server.info) {
    const compose = server.info.compose;
    rows.push(
      compose
        ? row("docker", name, "ok", `Docker ${server.info.dockerVersion}, Compose ${compose.version} (${compose.kind})`)
        : row(
            "docker",
            name,
            "fail",
            `Docker ${server.info.dockerVersion}, no Compose`,
            "install the compose plugin (docker-compose-plugin) or docker-compose",
          ),
    );
  }
  if (server.stats) {
    const fullest = [...server.stats.disks]
      .map((d) => ({ mount: d.mount, percent: d.totalBytes > 0 ? (d.usedBytes / d.totalBytes) * 100 : 0 }))
      .sort((a, b) => b.percent - a.percent)[0];
    if (fullest) {
      const text = `${fullest.mount} ${fullest.percent.toFixed(0)}% used`;
      const fix = "docker system prune (unused images), or grow the disk";
      rows.push(
        fullest.percent >= LIMITS.diskFailPercent
          ? row("disk", name, "fail", text, fix)
          : fullest.percent >= LIMITS.diskWarnPercent
            ? row("disk", name, "warn", text, fix)
            : row("disk", name, "ok", text),
      );
    }
  }
  if (server.skewMs !== undefined) {
    const skew = Math.abs(server.skewMs);
    const text = `${(server.skewMs / 1000).toFixed(1)} s from core's clock`;
    const fix = "turn on time sync on both hosts: timedatectl set-ntp true";
    rows.push(
      skew >= LIMITS.skewFailMs
        ? row("clock", name, "fail", text, fix)
        : skew >= LIMITS.skewWarnMs
          ? row("clock", name, "warn", text, fix)
          : row("clock", name, "ok", text),
    );
  }
  return rows;
}

function backupRow(facts: DoctorFacts): DoctorRow {
  const { lastOk, lastAttempt, scheduled } = facts.backups;
  if (lastAttempt?.status === "failed")
    return row(
      "backup",
      "core",
      "fail",
      `the last backup failed: ${lastAttempt.error ?? "?"}`,
      "tug backup; see core's log",
    );
  if (!lastOk)
    return row(
      "backup",
      "core",
      scheduled ? "warn" : "fail",
      scheduled ? "no backup yet (the schedule has not run)" : "no backup, and no schedule",
      "tug backup; set TUG_BACKUP_SCHEDULE",
    );
  const hours = (facts.now.getTime() - Date.parse(lastOk)) / 3600_000;
  const text = `last good backup ${hours.toFixed(1)} h ago`;
  const fix = "tug backup; check TUG_BACKUP_SCHEDULE and core's log";
  if (hours >= LIMITS.backupFailHours) return row("backup", "core", "fail", text, fix);
  if (hours >= LIMITS.backupWarnHours && scheduled) return row("backup", "core", "warn", text, fix);
  return row("backup", "core", "ok", text);
}

export function diagnose(facts: DoctorFacts): DoctorRow[] {
  const rows = facts.servers.flatMap((server) => serverRows(server, facts.agentVersion));
  const down = new Set(facts.servers.filter((s) => s.error !== undefined).map((s) => s.name));
  for (const stack of facts.stacks) {
    const failing = !stack.stopped && (stack.state === "down" || stack.state === "unhealthy");
    if (down.has(stack.server))
      rows.push(
        row(
          "stack",
          stack.name,
          "warn",
          `on ${stack.server}, which does not answer`,
          `see the agent row of ${stack.server}`,
        ),
      );
    else if (failing)
      rows.push(
        row(
          "stack",
          stack.name,
          "fail",
          `${stack.state} on ${stack.server}`,
          `tug logs ${stack.name}; then tug deploy ${stack.name}`,
        ),
      );
    else if (stack.held)
      rows.push(row("stack", stack.name, "warn", `self-heal waits: ${stack.held}`, `tug status ${stack.name}`));
    else if (stack.drifted)
      rows.push(
        row(
          "stack",
          stack.name,
          "warn",
          "drifted from what was deployed",
          `tug status ${stack.name}; tug deploy ${stack.name}`,
        ),
      );
  }
  const healthy = facts.stacks.length - rows.filter((r) => r.check === "stack").length;
  rows.push(row("stacks", "fleet", "ok", `${healthy} of ${facts.stacks.length} stack(s) as deployed`));
  for (const sync of facts.syncs) {
    if (sync.status === "failed" && sync.applied)
      rows.push(
        row("sync", sync.name, "warn", `applied, but: ${sync.error ?? "a deploy failed"}`, "see the stack rows"),
      );
    else if (sync.status === "invalid" || sync.status === "failed")
      rows.push(
        row(
          "sync",
          sync.name,
          "fail",
          `${sync.status}: ${sync.error ?? ""}`.trim(),
          `tug plan (or the sync's page) shows where`,
        ),
      );
    else if (sync.status === "pending")
      rows.push(
        row(
          "sync",
          sync.name,
          "warn",
          "a plan waits for approval",
          `tug sync run ${sync.name}, or approve it in the UI`,
        ),
      );
    else if (sync.status === "never")
      rows.push(row("sync", sync.name, "warn", "not checked yet", `tug sync run ${sync.name}`));
    else rows.push(row("sync", sync.name, "ok", "applied"));
  }
  rows.push(backupRow(facts));
  return rows;
}
