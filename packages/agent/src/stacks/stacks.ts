// Stack operations on this host: deploy, pull, start, stop, restart, down,
// status and logs. Everything a request names is validated before anything
// touches the disk; one action per stack at a time.
import {
  type ActionRequestParsed,
  type DeployRequestParsed,
  type ServiceFailure,
  type StackAction,
  type StackStatus,
  TugError,
} from "@tugboat/protocol";
import { type ComposeProject, composeArgv } from "../compose/command.js";
import type { ComposeRunner } from "../compose/runner.js";
import { declaredServices } from "../compose/services.js";
import type { DockerEngine, LogLine } from "../docker/engine.js";
import { projectContainers } from "../docker/project.js";
import { ExecError, exec } from "../exec/exec.js";
import type { Repositories } from "../repos/repositories.js";
import { requireInside, requireNoEscapingLinks } from "../safety/checkout-paths.js";
import { invalidName, type NameKind, pathInside } from "../safety/names.js";
import { planEnvFiles, prepareEnvFiles } from "./env-files.js";
import { evaluateDeploy } from "./health.js";
import { hookArgv } from "./hooks.js";
import type { StackLocks } from "./locks.js";
import { ActionRun, type Emit } from "./run.js";
import type { StackRecord, StackRecords } from "./stack-record.js";

export interface StacksDeps {
  engine: DockerEngine;
  repos: Repositories;
  records: StackRecords;
  locks: StackLocks;
  compose: () => Promise<ComposeRunner>;
  /** Environment for compose commands: DOCKER_HOST points them at the agent's daemon. */
  env: NodeJS.ProcessEnv;
  /** The `[secrets]` of agent.toml. */
  secrets: Readonly<Record<string, string>>;
}

/** A validated, locked action, ready to stream. */
export type PreparedAction = (emit: Emit) => Promise<void>;

function checkName(kind: NameKind, name: string): void {
  const problem = invalidName(kind, name);
  if (problem) throw new TugError("E_INVALID_NAME", problem);
}

function inside(root: string, path: string, what: string): string {
  const full = pathInside(root, path === "" ? "." : path);
  if (!full) throw new TugError("E_INVALID_REQUEST", `${what} ${JSON.stringify(path)} leaves the stack's checkout`);
  return full;
}

/** Fills the `[[NAME]]`s core left from this host's `[secrets]`; refuses the deploy if one is set nowhere. */
function fillVariables(request: DeployRequestParsed, secrets: Readonly<Record<string, string>>): DeployRequestParsed {
  if (request.variables.length === 0) return request;
  const missing = request.variables.filter((name) => !Object.hasOwn(secrets, name));
  if (missing.length > 0)
    throw new TugError(
      "E_UNRESOLVED_VARIABLE",
      `${missing.map((name) => `[[${name}]]`).join(", ")} ${missing.length === 1 ? "is" : "are"} set nowhere: looked in core's variables and secrets and in this agent's [secrets] (agent.toml); set ${missing.length === 1 ? "it" : "them"} in one of those`,
    );
  const wanted = new Set(request.variables);
  const values = request.variables.map((name) => secrets[name] ?? "").filter((value) => value !== "");
  const fill = (text: string) =>
    text.replace(/\[\[([A-Za-z0-9_]+)\]\]/g, (match, name: string) =>
      wanted.has(name) ? (secrets[name] ?? match) : match,
    );
  return {
    ...request,
    environment: fill(request.environment),
    extraArgs: request.extraArgs.map(fill),
    preDeploy: { ...request.preDeploy, command: fill(request.preDeploy.command) },
    postDeploy: { ...request.postDeploy, command: fill(request.postDeploy.command) },
    secrets: [...request.secrets, ...values],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Stacks {
  constructor(private readonly deps: StacksDeps) {}

  prepareDeploy(stack: string, asked: DeployRequestParsed): PreparedAction {
    checkName("stack", stack);
    const request = fillVariables(asked, this.deps.secrets);
    checkName("project", request.projectName);
    for (const service of [...request.services, ...request.ignoreServices, ...request.recreate, ...request.build])
      checkName("service", service);
    // Paths are checked against a placeholder root now, and against the real checkout later.
    const probe = "/tugboat-path-check";
    const runDir = inside(probe, request.runDirectory, "run directory");
    for (const file of request.composeFiles) inside(runDir, file, "compose file");
    for (const hook of [request.preDeploy, request.postDeploy]) inside(runDir, hook.path, "command path");
    planEnvFiles({ ...request, inside: (path, what) => inside(runDir, path, what) });
    const release = this.deps.locks.acquire(stack, "deploy");
    return async (emit) => {
      const run = new ActionRun(emit, "deploy", stack, [
        ...request.secrets,
        ...(request.repository.token ? [request.repository.token] : []),
      ]);
      try {
        const failures = await this.deploy(run, stack, request);
        run.finish({ commit: request.commit, failures });
      } catch (error) {
        run.finish({ commit: request.commit, error });
      } finally {
        release();
      }
    };
  }

  private async deploy(run: ActionRun, stack: string, request: DeployRequestParsed): Promise<ServiceFailure[]> {
    const timeoutMs = request.commandTimeoutSeconds * 1000;
    const worktree = await run.task("checkout", () =>
      this.deps.repos.checkout({
        stack,
        url: request.repository.url,
        commit: request.commit,
        ...(request.repository.token ? { token: request.repository.token } : {}),
        onLine: (line) => run.log("checkout", line),
      }),
    );
    const cwd = inside(worktree, request.runDirectory, "run directory");
    const runner = await this.deps.compose();
    const envPlan = planEnvFiles({ ...request, inside: (path, what) => inside(cwd, path, what) });
    const files = request.composeFiles.map((f) => inside(cwd, f, "compose file"));
    // The repository decides what is a symlink: nothing used here may lead out of the checkout.
    await requireInside(worktree, cwd, "run directory");
    await requireNoEscapingLinks(worktree, request.runDirectory);
    for (const file of files) await requireInside(worktree, file, "compose file");
    const envFiles = await run.task("write env file", () =>
      prepareEnvFiles({ worktree, plan: envPlan, environment: request.environment, runner }),
    );
    const target: StackRecord = {
      stack,
      commit: request.commit,
      cwd,
      project: request.projectName,
      files,
      envFiles,
      ignoreServices: request.ignoreServices,
    };
    await this.deps.records.write(target);
    const compose = (command: string[]) => composeArgv(runner, target, command);

    const skipped = await this.skippedServices(target.project);
    let services = request.services;
    if (skipped.size > 0) {
      const all = services.length > 0 ? services : await this.configServices(runner, target);
      services = all.filter((s) => !skipped.has(s));
      run.log("up", `leaving ${[...skipped].join(", ")} alone: labelled tugboat.skip or komodo.skip`);
    }
    const options = { cwd, env: this.deps.env, timeoutMs };
    const hook = async (step: string, command: { path: string; command: string }) => {
      const argv = hookArgv(command.command);
      if (!argv) return;
      const dir = inside(cwd, command.path, `${step} path`);
      await requireInside(worktree, dir, `${step} path`);
      await run.command(step, argv, { ...options, cwd: dir });
    };
    // Before anything changes on the host: a failing pre_deploy leaves the running containers as they are.
    await hook("pre_deploy", request.preDeploy);
    if (request.destroyBeforeDeploy && skipped.size === 0)
      await run.command("down", compose(["down", "--remove-orphans"]), options);
    // A registry that cannot be reached (no DNS, rate limits, a hung mirror) must not block
    // redeploying a config change with the images already on the host: a failed pull is a
    // warning, and `up` fails, naming the image, only if one is really missing.
    if (request.pull) {
      try {
        await run.command("pull", compose(["pull", "--ignore-pull-failures", "--", ...services]), options);
      } catch (error) {
        if (!(error instanceof ExecError)) throw error;
        run.warn("pull", `pulling images failed; deploying with the images on this host (${error.message})`);
      }
    }
    // `up -d` keeps an image that exists: build what core says changed (or everything, with run_build).
    const build = request.build.filter((s) => !skipped.has(s));
    if (request.buildAll || build.length > 0)
      await run.command("build", compose(["build", ...(request.buildAll ? [] : ["--", ...build])]), options);
    await run.command(
      "up",
      compose([
        "up",
        "-d",
        ...(skipped.size === 0 ? ["--remove-orphans"] : []),
        ...request.extraArgs,
        "--",
        ...services,
      ]),
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
    const expected = (services.length > 0 ? services : await this.configServices(runner, target)).filter(
      (s) => !request.ignoreServices.includes(s),
    );
    return run.task("wait for services", () =>
      this.waitForServices(run, target.project, expected, request.timeoutSeconds),
    );
  }

  private async configServices(runner: ComposeRunner, target: ComposeProject & { cwd: string }): Promise<string[]> {
    const declared = await declaredServices(target.files);
    if (declared) return declared;
    const { stdout } = await exec(composeArgv(runner, target, ["config", "--services"]), {
      cwd: target.cwd,
      env: this.deps.env,
    });
    return stdout
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
  }

  private async skippedServices(project: string): Promise<Set<string>> {
    const containers = await projectContainers(this.deps.engine, project);
    return new Set(containers.filter((c) => c.skip).map((c) => c.service));
  }

  private async waitForServices(run: ActionRun, project: string, expected: string[], timeoutSeconds: number) {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let reported = "";
    for (;;) {
      const containers = await projectContainers(this.deps.engine, project);
      const verdict = evaluateDeploy(expected, containers);
      const summary = verdict.waiting.map((w) => `${w.service}: ${w.reason}`).join(", ");
      if (summary && summary !== reported) run.log("wait for services", `waiting for ${summary}`);
      reported = summary;
      const timedOut = Date.now() > deadline;
      if (verdict.done || timedOut) {
        const failing = [
          ...verdict.failing,
          ...(timedOut
            ? verdict.waiting.map((w) => ({ service: w.service, reason: `${w.reason} after ${timeoutSeconds} s` }))
            : []),
        ];
        return Promise.all(
          failing.map(async (f) => ({
            ...f,
            logs: await this.lastLines(
              containers.filter((c) => c.service === f.service),
              run,
            ),
          })),
        );
      }
      await sleep(500);
    }
  }

  private async lastLines(containers: Array<{ id: string; tty: boolean }>, run: ActionRun): Promise<string[]> {
    const lines: string[] = [];
    for (const container of containers) {
      for await (const entry of this.deps.engine.logs(container.id, { tail: 20, tty: container.tty }))
        lines.push(run.mask(entry.line));
    }
    return lines.slice(-20);
  }

  async prepareAction(stack: string, action: StackAction, request: ActionRequestParsed): Promise<PreparedAction> {
    checkName("stack", stack);
    for (const service of request.services) checkName("service", service);
    const record = await this.deps.records.require(stack);
    const release = this.deps.locks.acquire(stack, action);
    return async (emit) => {
      const run = new ActionRun(emit, action, stack, request.token ? [request.token] : []);
      try {
        await this.runAction(run, record, action, request);
        run.finish({ commit: record.commit });
      } catch (error) {
        run.finish({ commit: record.commit, error });
      } finally {
        release();
      }
    };
  }

  private async runAction(run: ActionRun, record: StackRecord, action: StackAction, request: ActionRequestParsed) {
    const runner = await this.deps.compose();
    const compose = (command: string[]) => composeArgv(runner, record, command);
    const cwd = record.cwd;
    const options = { cwd, env: this.deps.env };
    if (action === "pull" || action === "start") {
      // Service names are checked (no leading "-"); docker-compose 1.29's `start` takes no "--".
      const separator = action === "start" ? [] : ["--"];
      await run.command(action, compose([action, ...separator, ...request.services]), options);
      return;
    }
    const skipped = await this.skippedServices(record.project);
    let services = request.services;
    if (skipped.size > 0) {
      const all = services.length > 0 ? services : await this.configServices(runner, record);
      services = all.filter((s) => !skipped.has(s));
      run.log(action, `leaving ${[...skipped].join(", ")} alone: labelled tugboat.skip or komodo.skip`);
      if (services.length === 0) return;
    }
    if (action === "down" && skipped.size > 0) {
      await run.command("stop", compose(["stop", "--", ...services]), options);
      await run.command("rm", compose(["rm", "-f", "--", ...services]), options);
    } else if (action === "down") {
      await run.command(
        "down",
        compose(["down", "--remove-orphans", ...(request.removeVolumes ? ["--volumes"] : [])]),
        options,
      );
    } else {
      await run.command(action, compose([action, "--", ...services]), options);
    }
  }

  async status(stack: string, projectOverride?: string): Promise<StackStatus> {
    checkName("stack", stack);
    const record = await this.deps.records.read(stack);
    const project = projectOverride ?? record?.project ?? stack;
    checkName("project", project);
    const containers = await projectContainers(this.deps.engine, project);
    return {
      stack,
      project,
      commit: record?.commit ?? null,
      containers: containers.map(({ restartPolicy: _r, tty: _t, ...c }) => c),
    };
  }

  async *logs(
    stack: string,
    options: { service?: string; tail?: number; since?: number; follow?: boolean; signal?: AbortSignal },
  ): AsyncGenerator<LogLine & { service: string; container: string }> {
    const status = await this.status(stack);
    if (options.service) checkName("service", options.service);
    const containers = (await projectContainers(this.deps.engine, status.project)).filter(
      (c) => !options.service || c.service === options.service,
    );
    if (containers.length === 0)
      throw new TugError(
        "E_NOT_FOUND",
        `stack "${stack}" has no containers${options.service ? ` for service ${options.service}` : ""}`,
      );
    if (!options.follow) {
      for (const c of containers) {
        for await (const line of this.deps.engine.logs(c.id, { ...options, tty: c.tty }))
          yield { ...line, service: c.service, container: c.name };
      }
      return;
    }
    // Following several containers: merge their streams as lines arrive.
    const queue: Array<LogLine & { service: string; container: string }> = [];
    let wake: (() => void) | undefined;
    let open = containers.length;
    const follow = async (c: (typeof containers)[number]) => {
      try {
        for await (const line of this.deps.engine.logs(c.id, { ...options, tty: c.tty })) {
          queue.push({ ...line, service: c.service, container: c.name });
          wake?.();
        }
      } catch {
        // The container went away (removed, recreated) while followed: its stream just ends.
      } finally {
        open -= 1;
        wake?.();
      }
    };
    // follow() never rejects: each container's stream ends on its own.
    for (const c of containers) follow(c).catch(() => undefined);
    while (open > 0 || queue.length > 0) {
      const next = queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}
