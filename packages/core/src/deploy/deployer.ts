// Applies deploys: waves in `after` order, stacks of a wave in parallel up to
// a bound per host, one action per stack at a time (queued, never dropped).
// An unreachable server fails only its own stacks.
import type { FingerprintParts, FleetStack, StackSource } from "@tugboat/config";
import type { DeployRequest, StackAction, StreamResult } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry from "p-retry";
import type { AgentPool } from "../agents/agent-pool.js";
import type { Background } from "../process/background.js";
import { settledWithin } from "../process/settle.js";
import type { UpdateLog } from "../updates/update-log.js";
import type { Trigger } from "../updates/update-store.js";
import type { StackStore } from "./stack-store.js";

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
}

export function envFileContent(stack: FleetStack): string {
  return stack.environment.map((entry) => `${entry.name}=${entry.value}\n`).join("");
}

export function deployRequest(job: DeployJob): DeployRequest {
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
    extraArgs: stack.config.extra_args,
    destroyBeforeDeploy: stack.config.destroy_before_deploy,
    preDeploy: stack.config.pre_deploy,
    postDeploy: stack.config.post_deploy,
  };
}

export function sourceUrl(source: StackSource, syncUrl: string): string {
  return source.kind === "sync" ? syncUrl : source.url;
}

export class Deployer {
  private readonly stackQueues = new Map<string, Promise<unknown>>();
  private readonly hostLimits = new Map<string, LimitFunction>();

  constructor(
    private readonly deps: {
      agents: AgentPool;
      stacks: StackStore;
      log: UpdateLog;
      parallelPerHost: number;
      background: Background;
    },
  ) {}

  /** Runs `work` after every earlier action on the same stack. */
  private queued<T>(stack: string, work: () => Promise<T>): Promise<T> {
    const previous = this.stackQueues.get(stack) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.stackQueues.set(stack, next);
    return next;
  }

  /** Resolves once every queued action has ended, or after `ms` (core is stopping). */
  idle(ms: number): Promise<void> {
    return settledWithin(this.stackQueues.values(), ms);
  }

  private host(server: string): LimitFunction {
    let limit = this.hostLimits.get(server);
    if (!limit) {
      limit = pLimit(this.deps.parallelPerHost);
      this.hostLimits.set(server, limit);
    }
    return limit;
  }

  /** Deploys the jobs wave by wave; a stack whose `after` failed in this run is not deployed. */
  async deployWaves(jobs: readonly DeployJob[], trigger: TriggerInfo): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = [];
    const failed = new Set<string>();
    const waves = [...new Set(jobs.map((job) => job.wave))].sort((a, b) => a - b);
    for (const wave of waves) {
      const batch = jobs.filter((job) => job.wave === wave);
      const results = await Promise.all(
        batch.map(async (job) => {
          const blockedBy = job.stack.after.filter((name) => failed.has(name));
          if (blockedBy.length > 0) {
            const updateId = await this.deps.log.store.create({
              operation: "deploy",
              targetKind: "stack",
              targetName: job.stack.name,
              ...trigger,
              commit: job.commit,
              reasons: job.reasons,
            });
            await this.deps.log.writer(updateId).end("failed", {
              error: {
                code: "E_DEPENDENCY_FAILED",
                message: `not deployed: ${blockedBy.join(", ")} failed to deploy first`,
              },
            });
            return { stack: job.stack.name, updateId, ok: false, error: `${blockedBy.join(", ")} failed` };
          }
          return this.deploy(job, trigger);
        }),
      );
      for (const result of results) {
        outcomes.push(result);
        if (!result.ok) failed.add(result.stack);
      }
    }
    return outcomes;
  }

  /** One stack deploy, queued behind its earlier actions and bounded per host. */
  async deploy(job: DeployJob, trigger: TriggerInfo): Promise<JobOutcome> {
    return (await this.start(job, trigger)).done;
  }

  /** Records and queues a deploy; `done` settles when it has run. */
  async start(job: DeployJob, trigger: TriggerInfo): Promise<{ updateId: string; done: Promise<JobOutcome> }> {
    const name = job.stack.name;
    const updateId = await this.deps.log.store.create({
      operation: "deploy",
      targetKind: "stack",
      targetName: name,
      ...trigger,
      commit: job.commit,
      reasons: job.reasons,
    });
    const done = this.queued(name, () =>
      this.host(job.stack.server)(async () => {
        const request = deployRequest(job);
        const writer = this.deps.log.writer(updateId, request.secrets ?? []);
        await this.deps.log.store.start(updateId);
        await this.deps.stacks.setState(name, "deploying");
        try {
          const client = await this.deps.agents.client(job.stack.server);
          if (!client) throw new TugError("E_NOT_FOUND", `server "${job.stack.server}" is not known to core`);
          const result = await this.whenNotBusy(name, writer.emit, () =>
            client.deploy(name, request, (event) => writer.emit(event)),
          );
          await this.finishStack(name, result, job);
          await writer.end(result.ok ? "success" : "failed", result);
          return {
            stack: name,
            updateId,
            ok: result.ok,
            ...(result.ok ? {} : { error: result.error?.message ?? describeFailures(result) }),
          };
        } catch (error) {
          await this.deps.stacks.setState(name, "unknown");
          const body =
            error instanceof TugError ? error.toBody() : { error: { code: "E_INTERNAL", message: String(error) } };
          await writer.end("failed", body);
          return { stack: name, updateId, ok: false, error: body.error.message, code: body.error.code };
        }
      }),
    );
    return { updateId, done };
  }

  /**
   * The agent refuses a second action on a stack (409 busy) while an earlier
   * one runs, for instance one a previous core started before it stopped: wait
   * for it instead of failing.
   */
  private whenNotBusy<T>(stack: string, emit: (event: unknown) => void, work: () => Promise<T>): Promise<T> {
    return pRetry(work, {
      retries: 60,
      minTimeout: 1000,
      maxTimeout: 15_000,
      maxRetryTime: 10 * 60_000,
      shouldRetry: ({ error }) => error instanceof TugError && error.code === "E_STACK_BUSY",
      onFailedAttempt: ({ error }) => {
        if (error instanceof TugError && error.code === "E_STACK_BUSY")
          emit({
            type: "log",
            step: "queue",
            stream: "stdout",
            line: `${stack} is busy on its agent with an earlier action; waiting for it`,
          });
      },
    });
  }

  private async finishStack(name: string, result: StreamResult, job: DeployJob) {
    if (result.ok) {
      await this.deps.stacks.markDeployed(name, { fingerprint: job.fingerprint, parts: job.parts, commit: job.commit });
      await this.deps.stacks.setState(name, "running");
    } else await this.deps.stacks.setState(name, "unhealthy");
  }

  /** A manual stop/start/restart/pull/down, recorded like a deploy. */
  async action(options: { stack: string; server: string; action: StackAction; trigger: TriggerInfo }): Promise<string> {
    const updateId = await this.deps.log.store.create({
      operation: options.action,
      targetKind: "stack",
      targetName: options.stack,
      ...options.trigger,
    });
    this.deps.background(`${options.action} of ${options.stack}`, this.runAction(updateId, options));
    return updateId;
  }

  private runAction(updateId: string, options: { stack: string; server: string; action: StackAction }): Promise<void> {
    return this.queued(options.stack, async () => {
      const writer = this.deps.log.writer(updateId);
      await this.deps.log.store.start(updateId);
      try {
        const client = await this.deps.agents.client(options.server);
        if (!client) throw new TugError("E_NOT_FOUND", `server "${options.server}" is not known to core`);
        const result = await client.action(options.stack, options.action, {}, (event) => writer.emit(event));
        if (result.ok && (options.action === "stop" || options.action === "down")) {
          await this.deps.stacks.setStopped(options.stack, true);
          await this.deps.stacks.setState(options.stack, options.action === "stop" ? "stopped" : "down");
        }
        if (result.ok && (options.action === "start" || options.action === "restart")) {
          await this.deps.stacks.setStopped(options.stack, false);
        }
        await writer.end(result.ok ? "success" : "failed", result);
      } catch (error) {
        await writer.end(
          "failed",
          error instanceof TugError ? error.toBody() : { error: { code: "E_INTERNAL", message: String(error) } },
        );
      }
    });
  }
}

function describeFailures(result: StreamResult): string {
  return result.failures.map((f) => `${f.service}: ${f.reason}`).join("; ") || "deploy failed";
}
