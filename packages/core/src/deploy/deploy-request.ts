// What core sends an agent for one stack deploy, built from a planned job:
// the commit, the rendered environment, the invocation, and the last good
// commit to roll back to when this one fails.
import type { FingerprintParts, FleetStack, StackSource } from "@tugboat/config";
import type { DeployRequest, StreamResult } from "@tugboat/protocol";
import { checkSpec } from "../checks/check-spec.js";
import type { Trigger } from "../updates/update-store.js";

export interface DeployJob {
  stack: FleetStack;
  /** The commit of the repository holding the stack's files. */
  commit: string;
  repoUrl: string;
  fingerprint: string;
  parts: FingerprintParts;
  reasons: string[];
  /** Services to recreate although their configuration is unchanged (a bind-mounted file changed). */
  recreate: string[];
  /** Services to build before `up` (their build context changed). */
  build: string[];
  wave: number;
}

export interface TriggerInfo {
  trigger: Trigger;
  actor: string;
}

export interface JobOutcome {
  stack: string;
  updateId: string;
  ok: boolean;
  error?: string;
  /** The error code, when the deploy did not reach a result (E_AGENT_UNREACHABLE, …). */
  code?: string;
  /** Not run because a stack it comes `after` never reached its agent: tried again with it. */
  waitedForUnreachable?: boolean;
}

export function envFileContent(stack: FleetStack): string {
  return stack.environment.map((entry) => `${entry.name}=${entry.value}\n`).join("");
}

export function deployRequest(job: DeployJob, rollbackTo?: string): DeployRequest {
  const { stack } = job;
  const relative = (file: string) => (stack.runDirectory ? file.slice(stack.runDirectory.length + 1) : file);
  return {
    repository: { url: job.repoUrl },
    commit: job.commit,
    runDirectory: stack.runDirectory,
    composeFiles: stack.composeFiles.map(relative),
    projectName: stack.projectName,
    envFilePath: stack.config.env_file_path,
    environment: envFileContent(stack),
    // The secret values themselves, and every value holding one: masked in all the agent reports.
    secrets: [...new Set([...stack.secretValues, ...stack.environment.filter((e) => e.secret).map((e) => e.value)])],
    recreate: job.recreate,
    build: job.build,
    buildAll: stack.config.run_build,
    // Set nowhere core looked: the agent fills them from its [secrets] or refuses the deploy.
    variables: stack.unresolvedVariables,
    additionalEnvFiles: stack.config.additional_env_files,
    pull: stack.config.auto_pull,
    ignoreServices: stack.config.ignore_services,
    shipLogs: stack.config.ship_logs,
    extraArgs: stack.config.extra_args,
    destroyBeforeDeploy: stack.config.destroy_before_deploy,
    preDeploy: stack.config.pre_deploy,
    postDeploy: stack.config.post_deploy,
    gateChecks: stack.reconcile.deploy_gate === "checks" ? stack.checks.map(checkSpec) : [],
    ...(stack.swarm ? { mode: "swarm" as const } : {}),
    // The services recreated on the way to the new commit are those to recreate on the way back.
    ...(rollbackTo ? { rollback: { commit: rollbackTo, recreate: job.recreate } } : {}),
  };
}

export function sourceUrl(source: StackSource, syncUrl: string): string {
  return source.kind === "sync" ? syncUrl : source.url;
}

/** Why a deploy failed, in one line: the agent's error, or each failing service and its reason. */
export function describeFailures(result: StreamResult): string {
  return (
    result.error?.message ?? (result.failures.map((f) => `${f.service}: ${f.reason}`).join("; ") || "deploy failed")
  );
}

/** The record's verdict on a rolled-back deploy: from which commit, to which, and why (with the last log lines). */
export function rollbackMessage(result: StreamResult): string {
  const back = result.rolledBack;
  if (!back) return describeFailures(result);
  const lines = result.failures.flatMap((f) => f.logs).slice(-5);
  const logs = lines.length > 0 ? ` (last log lines: ${lines.join(" | ")})` : "";
  const verdict = back.ok ? "rolled back" : "rolling back failed too";
  return `${verdict} from ${back.from.slice(0, 7)} to ${back.to.slice(0, 7)}: ${describeFailures(result)}${logs}`;
}
