// Judges whether a deploy has succeeded: every expected service running (and
// healthy where it has a healthcheck), or exited 0 when it is a one-shot.

export interface ServiceContainer {
  service: string;
  state: string;
  health: "healthy" | "unhealthy" | "starting" | "none";
  exitCode: number;
  restartPolicy: string;
}

export interface Verdict {
  /** True when nothing will change the outcome any more. */
  done: boolean;
  ok: boolean;
  failing: Array<{ service: string; reason: string }>;
  waiting: Array<{ service: string; reason: string }>;
}

const WILL_RESTART = new Set(["always", "unless-stopped", "on-failure"]);

function judge(c: ServiceContainer): { status: "ok" | "wait" | "fail"; reason: string } {
  if (c.state === "running") {
    if (c.health === "unhealthy") return { status: "fail", reason: "unhealthy: its healthcheck fails" };
    if (c.health === "starting") return { status: "wait", reason: "healthcheck starting" };
    return { status: "ok", reason: "running" };
  }
  if (c.state === "exited") {
    const restarts = WILL_RESTART.has(c.restartPolicy);
    if (c.exitCode === 0 && !restarts) return { status: "ok", reason: "exited 0 (one-shot)" };
    if (restarts) return { status: "wait", reason: `exited with code ${c.exitCode}; restarting` };
    return { status: "fail", reason: `exited with code ${c.exitCode}` };
  }
  if (c.state === "restarting") return { status: "wait", reason: `restarting (last exit code ${c.exitCode})` };
  if (c.state === "created") return { status: "wait", reason: "created, not started" };
  return { status: "fail", reason: c.state };
}

export function evaluateDeploy(expected: readonly string[], containers: readonly ServiceContainer[]): Verdict {
  const failing: Verdict["failing"] = [];
  const waiting: Verdict["waiting"] = [];
  for (const service of expected) {
    const mine = containers.filter((c) => c.service === service);
    if (mine.length === 0) {
      waiting.push({ service, reason: "no container yet" });
      continue;
    }
    const verdicts = mine.map(judge);
    const failed = verdicts.find((v) => v.status === "fail");
    const pending = verdicts.find((v) => v.status === "wait");
    if (failed) failing.push({ service, reason: failed.reason });
    else if (pending) waiting.push({ service, reason: pending.reason });
  }
  return {
    done: failing.length > 0 || waiting.length === 0,
    ok: failing.length === 0 && waiting.length === 0,
    failing,
    waiting,
  };
}
