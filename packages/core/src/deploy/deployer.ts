// Applies deploys: waves in `after` order, stacks of a wave in parallel up to
// a bound per host, one action per stack at a time (queued, never dropped).
// An unreachable server fails only its own stacks. A deploy of a new version
// that fails brings back the last good one (the agent does it in the same
// stream) and quarantines the failed fingerprint; self-heals run here too.
import type { ImageUpdateRequest, StackAction, StreamResult } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry from "p-retry";
import type { AgentClient } from "../agents/agent-client.js";
import type { AgentPool } from "../agents/agent-pool.js";
import type { Background } from "../process/background.js";
import { settledWithin } from "../process/settle.js";
import { deployedServices } from "../reconcile/drift.js";
import { swarmOf } from "../swarm/swarm-stacks.js";
import type { Swarms } from "../swarm/swarms.js";
import type { UpdateLog } from "../updates/update-log.js";
import {
  type DeployJob,
  deployRequest,
  describeFailures,
  type JobOutcome,
  rollbackMessage,
  type TriggerInfo,
} from "./deploy-request.js";
import { HostGate } from "./host-gate.js";
import type { StackRow, StackStore } from "./stack-store.js";

export type { DeployJob, JobOutcome, TriggerInfo } from "./deploy-request.js";
export { sourceUrl } from "./deploy-request.js";

/** What a self-heal does: the deployed version again, or a restart of services whose healthcheck keeps failing. */
export type HealAction = { kind: "redeploy" } | { kind: "restart"; services: string[] };

/** A person acted on the stack: self-heal may try again. */
const byPerson = (trigger: TriggerInfo) => trigger.trigger === "user" || trigger.trigger === "api_key";

export class Deployer {
  private readonly stackQueues = new Map<string, Promise<unknown>>();
  private readonly pending = new Map<string, number>();
  private readonly ended = new Map<string, number>();
  private ticks = 0;
  private readonly hostLimits = new Map<string, LimitFunction>();
  private readonly gate = new HostGate();

  constructor(
    private readonly deps: {
      agents: AgentPool;
      stacks: StackStore;
      log: UpdateLog;
      parallelPerHost: number;
      background: Background;
      /** A swarm stack deploys through the first of its swarm's managers that answers. */
      swarms?: Pick<Swarms, "manager">;
    },
  ) {}

  /** The agent a stack's action goes to: its server's, or for a swarm stack, the first answering manager's. */
  private async agentFor(stack: { name: string; server: string; swarm?: string }) {
    if (stack.swarm && this.deps.swarms) return (await this.deps.swarms.manager(stack.swarm)).client;
    const client = await this.deps.agents.client(stack.server);
    if (!client) throw new TugError("E_NOT_FOUND", `server "${stack.server}" is not known to core`);
    return client;
  }

  /** Runs `work` after every earlier action on the same stack. */
  private queued<T>(stack: string, work: () => Promise<T>): Promise<T> {
    const previous = this.stackQueues.get(stack) ?? Promise.resolve();
    this.pending.set(stack, (this.pending.get(stack) ?? 0) + 1);
    const next = previous
      .catch(() => undefined)
      .then(work)
      .finally(() => {
        this.ticks += 1;
        this.ended.set(stack, this.ticks);
        const left = (this.pending.get(stack) ?? 1) - 1;
        if (left > 0) this.pending.set(stack, left);
        else this.pending.delete(stack);
      });
    this.stackQueues.set(stack, next);
    return next;
  }

  /** Whether an action on the stack is queued or running. */
  busy(stack: string): boolean {
    return this.pending.has(stack);
  }

  /**
   * How many actions have ended since core started. What is read after a
   * reading of it saw every action that had ended by then (an action ends
   * after its last write); endedAt() tells which ended later.
   */
  clock(): number {
    return this.ticks;
  }

  /** The clock() at which the stack's last action ended, if one ended since core started. */
  endedAt(stack: string): number | undefined {
    return this.ended.get(stack);
  }

  /** Resolves once every queued action has ended, or after `ms` (core is stopping). */
  idle(ms: number): Promise<void> {
    return settledWithin(this.stackQueues.values(), ms);
  }

  /** Runs `work` within the host's bound, once no hold (an agent upgrade) is on the host. */
  private host(server: string): <T>(work: () => Promise<T>) => Promise<T> {
    let limit = this.hostLimits.get(server);
    if (!limit) {
      limit = pLimit(this.deps.parallelPerHost);
      this.hostLimits.set(server, limit);
    }
    const bounded = limit;
    return (work) => bounded(() => this.gate.run(server, work));
  }

  /** Holds the host for an agent upgrade: see HostGate.hold. */
  hold(server: string): Promise<() => void> {
    return this.gate.hold(server);
  }

  /** Deploys the jobs wave by wave; a stack whose `after` failed in this run is not deployed. */
  async deployWaves(jobs: readonly DeployJob[], trigger: TriggerInfo): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = [];
    /** Stacks that failed in this run, and whether only because an agent was out of reach. */
    const failed = new Map<string, boolean>();
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
            return {
              stack: job.stack.name,
              updateId,
              ok: false,
              error: `${blockedBy.join(", ")} failed`,
              code: "E_DEPENDENCY_FAILED",
              waitedForUnreachable: blockedBy.every((name) => failed.get(name)),
            };
          }
          return this.deploy(job, trigger);
        }),
      );
      for (const result of results) {
        outcomes.push(result);
        if (!result.ok)
          failed.set(result.stack, result.code === "E_AGENT_UNREACHABLE" || result.waitedForUnreachable === true);
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
    if (byPerson(trigger)) await this.deps.stacks.setHeals(name, [], null);
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
        const request = deployRequest(job, await this.rollbackTo(job));
        const writer = this.deps.log.writer(updateId, request.secrets ?? []);
        await this.deps.log.store.start(updateId);
        await this.deps.stacks.setState(name, "deploying");
        try {
          const client = await this.agentFor(job.stack);
          const result = await this.whenNotBusy(name, writer.emit, () =>
            client.deploy(name, request, (event) => writer.emit(event)),
          );
          await this.finishStack(name, result, job);
          const error = result.rolledBack ? { code: "E_ROLLED_BACK", message: rollbackMessage(result) } : result.error;
          await writer.end(result.ok ? "success" : "failed", { ...result, ...(error ? { error } : {}) });
          return {
            stack: name,
            updateId,
            ok: result.ok,
            ...(result.ok ? {} : { error: error?.message ?? describeFailures(result) }),
          };
        } catch (error) {
          await this.deps.stacks.setState(name, "unknown");
          const body = failureBody(error);
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

  /** The last good commit to bring back if this deploy fails: when there is one and this is another version. */
  private async rollbackTo(job: DeployJob): Promise<string | undefined> {
    if (!job.stack.reconcile.auto_rollback) return undefined;
    const row = await this.deps.stacks.get(job.stack.name);
    if (!row?.deployedCommit || row.deployedFingerprint === job.fingerprint) return undefined;
    return row.deployedCommit;
  }

  private async finishStack(name: string, result: StreamResult, job: DeployJob) {
    const { stacks } = this.deps;
    if (result.ok) {
      await stacks.markDeployed(name, {
        fingerprint: job.fingerprint,
        parts: job.parts,
        commit: job.commit,
        services: deployedServices(result.containers),
      });
      await stacks.setState(name, "running");
      return;
    }
    // Not tried again automatically until the fingerprint changes or a person deploys it.
    await stacks.setQuarantine(name, {
      fingerprint: job.fingerprint,
      commit: job.commit,
      reason: rollbackMessage(result),
      at: new Date().toISOString(),
      ...(result.rolledBack?.ok ? { rolledBackTo: result.rolledBack.to } : {}),
    });
    await stacks.setState(name, result.rolledBack?.ok ? "running" : "unhealthy");
  }

  /**
   * A self-heal, recorded with trigger `self-heal`: the agent redeploys its
   * last good deploy (the deployed commit and environment, not the head), or
   * restarts the named services.
   */
  async heal(stack: StackRow, action: HealAction, reason: string): Promise<string> {
    const updateId = await this.deps.log.store.create({
      operation: action.kind === "redeploy" ? "heal" : "restart",
      targetKind: "stack",
      targetName: stack.name,
      trigger: "self-heal",
      actor: "core",
      commit: stack.deployedCommit,
      reasons: [reason],
    });
    const commit = stack.deployedCommit;
    const done = this.recorded(stack, updateId, async (client, writer) => {
      if (commit === null) throw new TugError("E_STACK_NOT_DEPLOYED", `stack "${stack.name}" was never deployed`);
      const emit = (event: unknown) => writer.emit(event);
      const result =
        action.kind === "redeploy"
          ? await client.heal(stack.name, { commit }, emit)
          : await client.action(stack.name, "restart", { services: action.services }, emit);
      if (result.ok && action.kind === "redeploy")
        await this.deps.stacks.setDeployedServices(stack.name, deployedServices(result.containers));
      await this.deps.stacks.setState(stack.name, result.ok ? "running" : "unhealthy");
      await writer.end(result.ok ? "success" : "failed", result);
    });
    this.deps.background(`self-heal of ${stack.name}`, done);
    return updateId;
  }

  /**
   * An image update (operation `update-images`): the agent pulls the named
   * services' images and recreates those only. `verify` judges the result
   * (does each container run the registry's new digest?); a reason it gives
   * fails the record with E_IMAGE_NOT_UPDATED. What ran afterwards becomes the
   * stack's drift baseline.
   */
  async updateImages(options: {
    stack: StackRow;
    request: ImageUpdateRequest;
    trigger: TriggerInfo;
    reasons: string[];
    verify: (result: StreamResult) => string | undefined;
  }): Promise<{ updateId: string; done: Promise<StreamResult | undefined> }> {
    const { stack, request } = options;
    const updateId = await this.deps.log.store.create({
      operation: "update-images",
      targetKind: "stack",
      targetName: stack.name,
      ...options.trigger,
      commit: request.commit,
      reasons: options.reasons,
    });
    const done = this.recorded(stack, updateId, async (client, writer) => {
      const result = await client.updateImages(stack.name, request, (event) => writer.emit(event));
      await this.deps.stacks.setDeployedServices(stack.name, deployedServices(result.containers));
      await this.deps.stacks.setState(stack.name, result.ok || result.rolledBack?.ok ? "running" : "unhealthy");
      const unchanged = result.ok ? options.verify(result) : undefined;
      const error = result.rolledBack
        ? { code: "E_ROLLED_BACK", message: `${describeFailures(result)}; rolled back to the images that ran before` }
        : unchanged
          ? { code: "E_IMAGE_NOT_UPDATED", message: unchanged }
          : result.error;
      await writer.end(result.ok && !unchanged ? "success" : "failed", { ...result, ...(error ? { error } : {}) });
      return result;
    });
    return { updateId, done };
  }

  /**
   * Runs `work` on the stack's agent as the update `updateId`: after the
   * stack's earlier actions, within its host's bound, the stack deploying
   * meanwhile. An error fails the record and leaves the state unknown.
   */
  private recorded<T>(
    stack: StackRow,
    updateId: string,
    work: (client: AgentClient, writer: ReturnType<UpdateLog["writer"]>) => Promise<T>,
  ): Promise<T | undefined> {
    return this.queued(stack.name, () =>
      this.host(stack.server)(async () => {
        const writer = this.deps.log.writer(updateId);
        await this.deps.log.store.start(updateId);
        try {
          const client = await this.deps.agents.client(stack.server);
          if (!client) throw new TugError("E_NOT_FOUND", `server "${stack.server}" is not known to core`);
          await this.deps.stacks.setState(stack.name, "deploying");
          return await work(client, writer);
        } catch (error) {
          await this.deps.stacks.setState(stack.name, "unknown");
          await writer.end("failed", failureBody(error));
          return undefined;
        }
      }),
    );
  }

  /** A manual stop/start/restart/pull/down, recorded like a deploy. */
  async action(options: { stack: string; server: string; action: StackAction; trigger: TriggerInfo }): Promise<string> {
    if (byPerson(options.trigger)) await this.deps.stacks.setHeals(options.stack, [], null);
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
    return this.queued(options.stack, () => this.gate.run(options.server, () => this.act(updateId, options)));
  }

  private async act(updateId: string, options: { stack: string; server: string; action: StackAction }): Promise<void> {
    const writer = this.deps.log.writer(updateId);
    await this.deps.log.store.start(updateId);
    try {
      const row = await this.deps.stacks.get(options.stack);
      const swarm = row ? swarmOf(row) : undefined;
      const client = await this.agentFor({
        name: options.stack,
        server: options.server,
        ...(swarm ? { swarm } : {}),
      });
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
      await writer.end("failed", failureBody(error));
    }
  }
}

function failureBody(error: unknown) {
  return error instanceof TugError ? error.toBody() : { error: { code: "E_INTERNAL", message: String(error) } };
}
