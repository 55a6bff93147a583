// One deploy of a stack on this host, as core asked: the checkout at the
// commit, the env files, the hooks, pull, build, `up`, and the wait until the
// services are running and healthy. Reports which services failed and what
// the project runs at the end.
import { relative } from "node:path";
import type { ContainerStatus, DeployRequestParsed, ServiceFailure } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import { runChecks } from "../checks/run-checks.js";
import { type ComposeProject, composeArgv } from "../compose/command.js";
import type { ComposeRunner } from "../compose/runner.js";
import { declaredServices } from "../compose/services.js";
import type { DockerEngine } from "../docker/engine.js";
import { type ProjectContainer, projectContainers, projectSummaries, SKIP_LABELS } from "../docker/project.js";
import { exec } from "../exec/exec.js";
import type { Repositories } from "../repos/repositories.js";
import { committedFacts, requireInside, requireNoEscapingLinks } from "../safety/checkout-paths.js";
import { pathInside } from "../safety/names.js";
import { deploySwarmStack } from "../swarm/stack-deploy.js";
import { planEnvFiles, prepareEnvFiles } from "./env-files.js";
import { evaluateDeploy } from "./health.js";
import { hookArgv } from "./hooks.js";
import { pullImages } from "./pull.js";
import type { ActionRun } from "./run.js";
import type { StackRecord, StackRecords } from "./stack-record.js";

export interface DeployDeps {
  engine: DockerEngine;
  /** Containers core said are its own: never stopped, recreated or removed. */
  coreContainers: ReadonlySet<string>;
  repos: Repositories;
  records: StackRecords;
  compose: () => Promise<ComposeRunner>;
  env: NodeJS.ProcessEnv;
}

export interface DeployOutcome {
  failures: ServiceFailure[];
  /** The project's containers when the deploy ended. */
  containers: ContainerStatus[];
}

export function inside(root: string, path: string, what: string): string {
  const full = pathInside(root, path === "" ? "." : path);
  if (!full) throw new TugError("E_INVALID_REQUEST", `${what} ${JSON.stringify(path)} leaves the stack's checkout`);
  return full;
}

/** What the agent reports of a container: the facts, without its own bookkeeping. */
export function reported(containers: readonly ProjectContainer[]): ContainerStatus[] {
  return containers.map(({ restartPolicy: _r, tty: _t, ...c }) => c);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Services to leave alone: labelled tugboat.skip or komodo.skip, or running core itself. */
export async function skippedServices(
  deps: Pick<DeployDeps, "engine" | "coreContainers">,
  project: string,
): Promise<Set<string>> {
  const containers = await projectSummaries(deps.engine, project);
  return new Set(
    containers
      .filter((c) => SKIP_LABELS.some((label) => label in c.Labels) || deps.coreContainers.has(c.Id))
      .map((c) => c.Labels["com.docker.compose.service"] ?? ""),
  );
}

export async function configServices(
  deps: Pick<DeployDeps, "env">,
  runner: ComposeRunner,
  target: ComposeProject & { cwd: string },
): Promise<string[]> {
  const declared = await declaredServices(target.files);
  if (declared) return declared;
  const { stdout } = await exec(composeArgv(runner, target, ["config", "--services"]), {
    cwd: target.cwd,
    env: deps.env,
  });
  return stdout
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function runDeploy(
  deps: DeployDeps,
  run: ActionRun,
  stack: string,
  request: DeployRequestParsed,
): Promise<DeployOutcome> {
  const timeoutMs = request.commandTimeoutSeconds * 1000;
  const worktree = await run.task("checkout", () =>
    deps.repos.checkout({
      stack,
      url: request.repository.url,
      commit: request.commit,
      ...(request.repository.token ? { token: request.repository.token } : {}),
      onLine: (line) => run.log("checkout", line),
    }),
  );
  const cwd = inside(worktree, request.runDirectory, "run directory");
  const runner = await deps.compose();
  const envPlan = planEnvFiles({ ...request, inside: (path, what) => inside(cwd, path, what) });
  const files = request.composeFiles.map((f) => inside(cwd, f, "compose file"));
  // The repository decides what is a symlink: nothing used here may lead out of the checkout.
  await requireInside(worktree, cwd, "run directory");
  const envFile = envPlan.envFile.host ? [] : [envPlan.envFile.path];
  const committed = await committedFacts(worktree, request.commit, request.runDirectory, envFile);
  await requireNoEscapingLinks(worktree, committed);
  for (const file of files) await requireInside(worktree, file, "compose file");
  const envFiles = await run.task("write env file", () =>
    prepareEnvFiles({
      worktree,
      plan: envPlan,
      environment: request.environment,
      runner,
      committed: (path) => committed.files.has(relative(worktree, path)),
    }),
  );
  const target: StackRecord = {
    stack,
    commit: request.commit,
    cwd,
    project: request.projectName,
    files,
    envFiles,
    ignoreServices: request.ignoreServices,
    shipLogs: request.shipLogs,
    ...(request.mode === "swarm" ? { mode: "swarm" as const } : {}),
  };
  await deps.records.write(target);
  const compose = (command: string[]) => composeArgv(runner, target, command);

  const skipped = await skippedServices(deps, target.project);
  let services = request.services;
  if (skipped.size > 0) {
    const all = services.length > 0 ? services : await configServices(deps, runner, target);
    services = all.filter((s) => !skipped.has(s));
    run.log("up", `leaving ${[...skipped].join(", ")} alone: labelled tugboat.skip or komodo.skip, or core itself`);
    // `up` with no service named means every service: nothing is left to deploy.
    if (services.length === 0)
      return { failures: [], containers: await projectContainers(deps.engine, target.project) };
  }
  const options = { cwd, env: deps.env, timeoutMs };
  const hook = async (step: string, command: { path: string; command: string }) => {
    const argv = hookArgv(command.command);
    if (!argv) return;
    const dir = inside(cwd, command.path, `${step} path`);
    await requireInside(worktree, dir, `${step} path`);
    await run.command(step, argv, { ...options, cwd: dir });
  };
  if (request.mode === "swarm") {
    const outcome = await deploySwarmStack({
      engine: deps.engine,
      run,
      target: { project: target.project, files, envFiles, cwd, worktree },
      request,
      env: deps.env,
      timeoutMs,
      hook: (step) => hook(step, step === "pre_deploy" ? request.preDeploy : request.postDeploy),
    });
    return { failures: outcome.failures, containers: [] };
  }
  // Before anything changes on the host: a failing pre_deploy leaves the running containers as they are.
  await hook("pre_deploy", request.preDeploy);
  if (request.destroyBeforeDeploy && skipped.size === 0)
    await run.command("down", compose(["down", "--remove-orphans"]), options);
  if (request.pull)
    await pullImages(deps.engine, run, {
      files,
      envFiles,
      services,
      composeArgv: compose(["pull", "--ignore-pull-failures", "--", ...services]),
      ...options,
    });
  // `up -d` keeps an image that exists: build what core says changed (or everything, with run_build).
  const build = request.build.filter((s) => !skipped.has(s));
  if (request.buildAll || build.length > 0)
    await run.command("build", compose(["build", ...(request.buildAll ? [] : ["--", ...build])]), options);
  await run.command(
    "up",
    compose(["up", "-d", ...(skipped.size === 0 ? ["--remove-orphans"] : []), ...request.extraArgs, "--", ...services]),
    options,
  );
  // Core names the services whose bind-mounted file changed: a running container keeps the old inode.
  const recreate = request.recreate.filter(
    (s) => !skipped.has(s) && (request.services.length === 0 || request.services.includes(s)),
  );
  if (recreate.length > 0) {
    run.log("recreate", `recreating ${recreate.join(", ")}: a bind-mounted file changed`);
    await run.command("recreate", compose(["up", "-d", "--no-deps", "--force-recreate", "--", ...recreate]), options);
  }
  await hook("post_deploy", request.postDeploy);
  const expected = (services.length > 0 ? services : await configServices(deps, runner, target)).filter(
    (s) => !request.ignoreServices.includes(s),
  );
  const outcome = await run.task("wait for services", () =>
    waitForServices(deps.engine, run, target.project, expected, request.timeoutSeconds),
  );
  if (outcome.failures.length > 0 || request.gateChecks.length === 0) return outcome;
  const failures = await run.task("wait for checks", () =>
    waitForChecks(deps.engine, run, request.gateChecks, request.timeoutSeconds),
  );
  return { ...outcome, failures };
}

/**
 * deploy_gate = "checks": every check must pass once. One fails the deploy
 * when it has kept failing for its failures × interval (as long as CheckFailed
 * waits before it opens), or at the deploy's deadline.
 */
async function waitForChecks(
  engine: DockerEngine,
  run: ActionRun,
  checks: DeployRequestParsed["gateChecks"],
  timeoutSeconds: number,
): Promise<ServiceFailure[]> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  const last = new Map<string, string>();
  const failed: ServiceFailure[] = [];
  let pending = checks;
  for (;;) {
    const results = await runChecks(engine, { checks: pending });
    const now = Date.now();
    const next: typeof pending = [];
    for (const [index, check] of pending.entries()) {
      const result = results[index];
      if (result?.ok) {
        run.log("wait for checks", `check ${check.name} passed: ${result.detail} in ${result.latencyMs} ms`);
        continue;
      }
      const detail = result?.detail ?? "not run";
      if (last.get(check.name) !== detail) run.log("wait for checks", `check ${check.name} fails: ${detail}`);
      last.set(check.name, detail);
      if (now - started >= check.failures * check.intervalMs || now > deadline)
        failed.push({
          service: check.name,
          reason: `check ${check.name} (${check.target}) failed for ${Math.round((now - started) / 1000)} s: ${detail}`,
          logs: [],
        });
      else next.push(check);
    }
    pending = next;
    if (pending.length === 0) return failed;
    await sleep(1000);
  }
}

/**
 * A heal of a stack this agent deployed before it kept last good deploys: its
 * checkout and env files are still those of that deploy, so `up -d` there
 * brings it back as it was.
 */
export async function upAsRecorded(
  deps: DeployDeps,
  run: ActionRun,
  record: StackRecord,
  timeoutSeconds: number,
): Promise<DeployOutcome> {
  const runner = await deps.compose();
  const skipped = await skippedServices(deps, record.project);
  const services = (await configServices(deps, runner, record)).filter((s) => !skipped.has(s));
  // `up` with no service named means every service.
  if (services.length === 0) return { failures: [], containers: await projectContainers(deps.engine, record.project) };
  const options = { cwd: record.cwd, env: deps.env, timeoutMs: timeoutSeconds * 1000 };
  await run.command(
    "up",
    composeArgv(runner, record, ["up", "-d", ...(skipped.size === 0 ? ["--remove-orphans"] : []), "--", ...services]),
    options,
  );
  const expected = services.filter((s) => !record.ignoreServices.includes(s));
  return run.task("wait for services", () =>
    waitForServices(deps.engine, run, record.project, expected, timeoutSeconds),
  );
}

async function waitForServices(
  engine: DockerEngine,
  run: ActionRun,
  project: string,
  expected: string[],
  timeoutSeconds: number,
): Promise<DeployOutcome> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastSummary = "";
  for (;;) {
    const containers = await projectContainers(engine, project);
    const verdict = evaluateDeploy(expected, containers);
    const summary = verdict.waiting.map((w) => `${w.service}: ${w.reason}`).join(", ");
    if (summary && summary !== lastSummary) run.log("wait for services", `waiting for ${summary}`);
    lastSummary = summary;
    const timedOut = Date.now() > deadline;
    if (verdict.done || timedOut) {
      const failing = [
        ...verdict.failing,
        ...(timedOut
          ? verdict.waiting.map((w) => ({ service: w.service, reason: `${w.reason} after ${timeoutSeconds} s` }))
          : []),
      ];
      const failures = await Promise.all(
        failing.map(async (f) => ({
          ...f,
          logs: await lastLines(
            engine,
            containers.filter((c) => c.service === f.service),
            run,
          ),
        })),
      );
      return { failures, containers: reported(containers) };
    }
    await sleep(500);
  }
}

async function lastLines(
  engine: DockerEngine,
  containers: Array<{ id: string; tty: boolean }>,
  run: ActionRun,
): Promise<string[]> {
  const lines: string[] = [];
  for (const container of containers) {
    for await (const entry of engine.logs(container.id, { tail: 20, tty: container.tty }))
      lines.push(run.mask(entry.line));
  }
  return lines.slice(-20);
}
