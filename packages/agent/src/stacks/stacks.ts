// Stack operations on this host: deploy (and the rollback core asks for when
// it fails), heal, pull, start, stop, restart, down, status and logs.
// Everything a request names is validated before anything touches the disk;
// one action per stack at a time.
import {
  type ActionRequestParsed,
  type DeployRequestParsed,
  type HealRequest,
  type ImageUpdateRequestParsed,
  type StackAction,
  type StackStatus,
  type StatusesReply,
  type StreamResult,
  TugError,
} from "@tugboat/protocol";
import { composeArgv } from "../compose/command.js";
import type { ComposeRunner } from "../compose/runner.js";
import type { DockerEngine, LogLine } from "../docker/engine.js";
import { projectContainers } from "../docker/project.js";
import type { Repositories } from "../repos/repositories.js";
import { checkName } from "../safety/names.js";
import { swarmAction } from "../swarm/stack-actions.js";
import { readServices } from "../swarm/swarm-read.js";
import {
  configServices,
  type DeployOutcome,
  inside,
  reported,
  runDeploy,
  skippedServices,
  upAsRecorded,
} from "./deploy.js";
import { planEnvFiles } from "./env-files.js";
import { runImageUpdate } from "./image-update.js";
import type { StackLocks } from "./locks.js";
import { pinnedImages, restoreImages } from "./pinned-images.js";
import { pullImages } from "./pull.js";
import { ActionRun, type Emit } from "./run.js";
import type { LastGood, StackRecord, StackRecords } from "./stack-record.js";

export interface StacksDeps {
  engine: DockerEngine;
  /** Containers core said are its own (x-tugboat-core-container): never stopped, recreated or removed. */
  coreContainers: ReadonlySet<string>;
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

/** How long a heal from the stack record waits for its services: a deploy's default. */
const RECORDED_HEAL_TIMEOUT_SECONDS = 120;
/** The pull action's deadline: a deploy's default for each of its commands. */
const PULL_TIMEOUT_MS = 600_000;

/** A deploy brought back as it was: the images on the host (pinned first), nothing rebuilt. */
function asBefore(good: LastGood, recreate: string[]): DeployRequestParsed {
  const { rollback: _rollback, images: _images, ...rest } = good;
  return { ...rest, pull: false, build: [], buildAll: false, recreate };
}

export class Stacks {
  constructor(private readonly deps: StacksDeps) {}

  prepareDeploy(stack: string, asked: DeployRequestParsed): PreparedAction {
    checkName("stack", stack);
    const request = fillVariables(asked, this.deps.secrets);
    checkName("project", request.projectName);
    for (const service of [
      ...request.services,
      ...request.ignoreServices,
      ...request.recreate,
      ...request.build,
      ...(request.rollback?.recreate ?? []),
    ])
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
        let outcome: DeployOutcome | undefined;
        let error: unknown;
        try {
          outcome = await runDeploy(this.deps, run, stack, request);
        } catch (caught) {
          error = caught;
        }
        if (error === undefined && outcome?.failures.length === 0) {
          await this.deps.records.writeLastGood(stack, request, pinnedImages(outcome.containers));
          run.finish({ commit: request.commit, ...outcome });
          return;
        }
        const rolledBack = request.rollback
          ? await this.rollBack(run, stack, request.commit, request.rollback)
          : undefined;
        run.finish({
          commit: request.commit,
          ...(error === undefined ? {} : { error }),
          failures: outcome?.failures ?? [],
          containers: rolledBack?.containers ?? outcome?.containers ?? [],
          ...(rolledBack ? { rolledBack: rolledBack.result } : {}),
        });
      } catch (error) {
        run.finish({ commit: request.commit, error });
      } finally {
        release();
      }
    };
  }

  /** After a failed deploy: the last good one again, if it is the one core names. */
  private async rollBack(
    run: ActionRun,
    stack: string,
    from: string,
    asked: { commit: string; recreate?: string[] },
  ): Promise<{ result: NonNullable<StreamResult["rolledBack"]>; containers: DeployOutcome["containers"] } | undefined> {
    const good = await this.deps.records.readLastGood(stack);
    if (good?.commit !== asked.commit) {
      run.log(
        "rollback",
        `not rolling back: this agent's last good deploy is ${good ? good.commit.slice(0, 7) : "unknown"}, core asked for ${asked.commit.slice(0, 7)}`,
        "stderr",
      );
      return undefined;
    }
    run.addSecrets(good.secrets);
    run.log("rollback", `the deploy of ${from.slice(0, 7)} failed: bringing back ${good.commit.slice(0, 7)}`);
    run.enter("rollback");
    try {
      await restoreImages(this.deps.engine, run, good.images);
      const outcome = await runDeploy(this.deps, run, stack, asBefore(good, asked.recreate ?? []));
      return {
        result: { from, to: good.commit, ok: outcome.failures.length === 0, failures: outcome.failures },
        containers: outcome.containers,
      };
    } catch (error) {
      run.log("rollback", `the rollback failed too: ${(error as Error).message}`, "stderr");
      const containers = reported(await projectContainers(this.deps.engine, good.projectName).catch(() => []));
      return { result: { from, to: good.commit, ok: false, failures: [] }, containers };
    } finally {
      run.enter("");
    }
  }

  /** A heal: the last good deploy again (its commit and environment), as core asks when the stack drifted. */
  async prepareHeal(stack: string, request: HealRequest): Promise<PreparedAction> {
    checkName("stack", stack);
    const good = await this.deps.records.readLastGood(stack);
    // Deployed by an agent that kept no last good deploy: its checkout is still that deploy's.
    const recorded = good ? undefined : await this.deps.records.read(stack);
    const commit = good?.commit ?? recorded?.commit;
    if (commit === undefined)
      throw new TugError("E_STACK_NOT_DEPLOYED", `stack "${stack}" has no successful deploy on this agent`);
    if (commit !== request.commit)
      throw new TugError(
        "E_DEPLOY_MISMATCH",
        `stack "${stack}": this agent's last good deploy is ${commit.slice(0, 7)}, core asked to heal ${request.commit.slice(0, 7)}`,
      );
    const release = this.deps.locks.acquire(stack, "heal");
    return async (emit) => {
      const run = new ActionRun(emit, "heal", stack, good?.secrets ?? []);
      try {
        if (good) await restoreImages(this.deps.engine, run, good.images);
        const outcome = good
          ? await runDeploy(this.deps, run, stack, asBefore(good, []))
          : await upAsRecorded(this.deps, run, recorded as StackRecord, RECORDED_HEAL_TIMEOUT_SECONDS);
        run.finish({ commit, ...outcome });
      } catch (error) {
        run.finish({ commit, error });
      } finally {
        release();
      }
    };
  }

  /** An image update: the named services' images pulled and those services recreated, rolled back on failure. */
  async prepareImageUpdate(stack: string, request: ImageUpdateRequestParsed): Promise<PreparedAction> {
    checkName("stack", stack);
    for (const service of request.services) checkName("service", service);
    const good = await this.deps.records.readLastGood(stack);
    if (!good)
      throw new TugError(
        "E_STACK_NOT_DEPLOYED",
        `stack "${stack}" has no last good deploy on this agent to update images from; deploy it once`,
      );
    if (good.commit !== request.commit)
      throw new TugError(
        "E_DEPLOY_MISMATCH",
        `stack "${stack}": this agent's last good deploy is ${good.commit.slice(0, 7)}, core asked to update images of ${request.commit.slice(0, 7)}`,
      );
    const release = this.deps.locks.acquire(stack, "update-images");
    return async (emit) => {
      const run = new ActionRun(emit, "update-images", stack, good.secrets);
      try {
        const outcome = await runImageUpdate(this.deps, run, stack, good, request.services);
        if (outcome.failures.length === 0)
          await this.deps.records.writeLastGood(stack, good, pinnedImages(outcome.containers));
        run.finish({ commit: good.commit, ...outcome });
      } catch (error) {
        run.finish({ commit: good.commit, error });
      } finally {
        release();
      }
    };
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
    if (record.mode === "swarm") return swarmAction(run, record, action, request.services, this.deps);
    const runner = await this.deps.compose();
    const compose = (command: string[]) => composeArgv(runner, record, command);
    const cwd = record.cwd;
    const options = { cwd, env: this.deps.env };
    if (action === "pull") {
      // As before a deploy's `up`, but a pull that fails fails the action.
      const { files, envFiles } = record;
      const composeArgv = compose(["pull", "--", ...request.services]);
      const target = { files, envFiles, services: request.services, composeArgv, timeoutMs: PULL_TIMEOUT_MS };
      await pullImages(this.deps.engine, run, { ...target, ...options, strict: true });
      return;
    }
    if (action === "start") {
      // Service names are checked (no leading "-"); docker-compose 1.29's `start` takes no "--".
      await run.command(action, compose([action, ...request.services]), options);
      return;
    }
    const skipped = await skippedServices(this.deps, record.project);
    let services = request.services;
    if (skipped.size > 0) {
      const all = services.length > 0 ? services : await configServices(this.deps, runner, record);
      services = all.filter((s) => !skipped.has(s));
      run.log(action, `leaving ${[...skipped].join(", ")} alone: labelled tugboat.skip or komodo.skip, or core itself`);
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

  /** Several stacks' status (a host's status round), a few at a time; one that cannot be read says why. */
  async statuses(stacks: ReadonlyArray<{ stack: string; project: string }>): Promise<StatusesReply["statuses"]> {
    const answered: StatusesReply["statuses"] = [];
    for (let i = 0; i < stacks.length; i += 8) {
      const some = stacks.slice(i, i + 8).map(({ stack, project }) =>
        this.status(stack, project).catch((error: unknown) => ({
          stack,
          project,
          error: {
            code: error instanceof TugError ? error.code : "E_INTERNAL",
            message: error instanceof Error ? error.message : String(error),
          },
        })),
      );
      answered.push(...(await Promise.all(some)));
    }
    return answered;
  }

  async status(stack: string, projectOverride?: string): Promise<StackStatus> {
    checkName("stack", stack);
    const record = await this.deps.records.read(stack);
    const project = projectOverride ?? record?.project ?? stack;
    checkName("project", project);
    if (record?.mode === "swarm")
      return {
        stack,
        project,
        commit: record.commit,
        containers: [],
        swarm: await readServices(this.deps.engine, project),
      };
    const containers = await projectContainers(this.deps.engine, project);
    return {
      stack,
      project,
      commit: record?.commit ?? null,
      containers: reported(containers),
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
