// The sync engine: notices a new commit (poll, webhook or a person), validates
// and plans it with @tugboat/config, and applies it (managed) or holds the
// plan (not managed). An invalid commit changes nothing and is recorded.
import {
  type Fleet,
  type FleetState,
  fingerprintStack,
  GitCommitSource,
  loadFleet,
  maskedEnvironment,
  type Plan,
  planFleet,
  repositoryUrl,
} from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import { type Deployer, type DeployJob, sourceUrl, type TriggerInfo } from "../deploy/deployer.js";
import type { StackStore } from "../deploy/stack-store.js";
import type { UpdateLog } from "../updates/update-log.js";
import type { RepoMirrors } from "./repo-mirror.js";
import type { SyncStore } from "./sync-store.js";

export interface SyncEngineDeps {
  syncs: SyncStore;
  servers: ServerStore;
  stacks: StackStore;
  log: UpdateLog;
  mirrors: RepoMirrors;
  deployer: Deployer;
  agents: AgentPool;
  /** Secret variable values held by core (TUG_SECRET_<NAME>). */
  secrets: Readonly<Record<string, string>>;
  /** TUG_SYNC_MANAGED: false holds every plan for a manual run; undefined follows the repository. */
  managedOverride?: boolean;
  /** Told each sync's fleet as it is applied or restored (alert settings and alerters). */
  onFleet?: (sync: string, fleet: Fleet) => void;
}

export interface CheckOutcome {
  commit: string;
  status: "unchanged" | "invalid" | "applied" | "pending" | "failed";
  updateId?: string;
}

export class SyncEngine {
  private readonly running = new Map<string, Promise<CheckOutcome>>();
  private readonly again = new Map<string, TriggerInfo>();

  constructor(private readonly deps: SyncEngineDeps) {}

  /**
   * Looks for a new commit and handles it. Calls that arrive while a check
   * runs coalesce into one more check afterwards, so a storm of webhooks ends
   * in the right final state without duplicate deploys.
   */
  check(name: string, trigger: TriggerInfo, options: { force?: boolean } = {}): Promise<CheckOutcome> {
    const current = this.running.get(name);
    if (current) {
      this.again.set(name, trigger);
      return current.then(() => this.running.get(name) ?? this.check(name, trigger, options));
    }
    const run = this.checkNow(name, trigger, options.force ?? false).finally(() => {
      this.running.delete(name);
      const next = this.again.get(name);
      if (next) {
        this.again.delete(name);
        void this.check(name, next);
      }
    });
    this.running.set(name, run);
    return run;
  }

  private async checkNow(name: string, trigger: TriggerInfo, force: boolean): Promise<CheckOutcome> {
    const sync = await this.deps.syncs.get(name);
    if (!sync) throw new Error(`no sync named ${name}`);
    const head = await this.deps.mirrors.remoteHead(sync.repoUrl, sync.branch);
    if (!force && head === sync.headCommit && sync.status !== "failed") return { commit: head, status: "unchanged" };
    const updateId = await this.deps.log.store.create({
      operation: "sync",
      targetKind: "sync",
      targetName: name,
      ...trigger,
      commit: head,
    });
    const writer = this.deps.log.writer(updateId);
    await this.deps.log.store.start(updateId);
    try {
      const loaded = await this.load(sync.repoUrl, sync.branch, head, sync.paths);
      if (loaded.errors.length > 0) {
        await this.deps.syncs.record(name, { head, status: "invalid", errors: loaded.errors });
        await writer.end("failed", {
          error: { code: "E_INVALID_COMMIT", message: `commit ${head.slice(0, 7)} is invalid: nothing was applied` },
          errors: loaded.errors,
        });
        return { commit: head, status: "invalid", updateId };
      }
      const applied = await this.deps.syncs.appliedState(name);
      const plan = await this.plan(loaded.fleet, applied);
      const self = loaded.fleet.syncs.find((s) => s.self);
      const managed = this.deps.managedOverride ?? self?.config.managed ?? true;
      if (!managed && !force) {
        const { state: _state, ...held } = plan;
        await this.deps.syncs.record(name, { head, status: "pending", pendingPlan: held });
        writer.emit({
          type: "log",
          step: "plan",
          stream: "stdout",
          line: `plan held for a manual run: ${plan.deploys.length} deploy(s)`,
        });
        await writer.end("success", { held: true, deploys: plan.deploys.length });
        return { commit: head, status: "pending", updateId };
      }
      const outcomes = await this.apply({
        name,
        fleet: loaded.fleet,
        plan,
        applied,
        head,
        repoUrl: sync.repoUrl,
        trigger,
        emit: writer.emit,
      });
      const failed = outcomes.filter((o) => !o.ok);
      await this.deps.syncs.record(name, { head, status: failed.length > 0 ? "failed" : "ok", applied: head });
      await writer.end(failed.length > 0 ? "failed" : "success", {
        deploys: outcomes,
        ...(failed.length > 0
          ? {
              error: {
                code: "E_DEPLOY_FAILED",
                message: `${failed.length} of ${outcomes.length} deploys failed: ${failed.map((f) => `${f.stack} (${f.error})`).join("; ")}`,
              },
            }
          : {}),
      });
      return { commit: head, status: failed.length > 0 ? "failed" : "applied", updateId };
    } catch (error) {
      await this.deps.syncs.record(name, { head, status: "failed", errors: [] });
      await writer.end("failed", { error: { code: "E_SYNC_FAILED", message: (error as Error).message } });
      return { commit: head, status: "failed", updateId };
    }
  }

  private async load(url: string, branch: string, commit: string, paths: string[]) {
    const mirror = await this.deps.mirrors.fetch(url, branch, commit);
    const source = await GitCommitSource.open({ repository: mirror, revision: commit });
    try {
      return await loadFleet(source, {
        resourcePaths: paths,
        secrets: this.deps.secrets,
        knownServers: await this.knownServers(),
      });
    } finally {
      await source.close();
    }
  }

  /** The plan of `fleet` against what its sync last applied. */
  private async plan(fleet: Fleet, applied: FleetState): Promise<Plan> {
    const stopped = new Set((await this.deps.stacks.list()).filter((s) => s.stopped).map((s) => s.name));
    return planFleet(fleet, applied, {
      stopped,
      knownServers: await this.knownServers(),
    });
  }

  /** Servers core knows (from any sync): stacks of one sync may run on servers another declares. */
  private async knownServers(): Promise<Map<string, boolean>> {
    return new Map((await this.deps.servers.list()).map((server) => [server.name, server.enabled]));
  }

  /** A deploy someone asked for: the stack as of the last applied (or, before any, the head) commit. */
  async deployStack(stackName: string, trigger: TriggerInfo): Promise<string> {
    const row = await this.deps.stacks.get(stackName);
    const sync = row ? await this.deps.syncs.get(row.sync) : undefined;
    if (!row || !sync) throw new TugError("E_NOT_FOUND", `no stack named "${stackName}"`);
    const commit = sync.appliedCommit ?? (await this.deps.mirrors.remoteHead(sync.repoUrl, sync.branch));
    const loaded = await this.load(sync.repoUrl, sync.branch, commit, sync.paths);
    const stack = loaded.fleet.stacks.find((s) => s.name === stackName);
    if (!stack) throw new TugError("E_NOT_FOUND", `stack "${stackName}" is not in commit ${commit.slice(0, 7)}`);
    this.configureFleet(sync.name, loaded.fleet);
    const url = sourceUrl(stack.source, sync.repoUrl);
    const stackCommit =
      stack.source.kind === "sync" ? commit : await this.deps.mirrors.remoteHead(url, stack.source.branch);
    const { fingerprint, parts } = fingerprintStack(stack);
    await this.deps.stacks.setStopped(stackName, false);
    const started = await this.deps.deployer.start(
      { stack, commit: stackCommit, repoUrl: url, fingerprint, parts, reasons: ["manual deploy"], wave: 1 },
      trigger,
    );
    return started.updateId;
  }

  /**
   * `[[resource_sync]]` entries add syncs, except the one describing the sync
   * that reads them (it configures that sync: managed, webhook secret).
   */
  private async declareSyncs(name: string, fleet: Fleet, repoUrl: string, say: (line: string) => void) {
    const current = await this.deps.syncs.get(name);
    for (const declared of fleet.syncs) {
      const { config } = declared;
      if (declared.self) {
        if (current && config.webhook_secret !== current.webhookSecret) {
          await this.deps.syncs.upsert({
            ...current,
            webhookSecret: config.webhook_secret,
            declaredBy: current.declaredBy,
          });
        }
        continue;
      }
      const repo = config.linked_repo ? fleet.repos.find((r) => r.name === config.linked_repo) : undefined;
      const url = config.repo ? repositoryUrl(config) : repo ? repositoryUrl(repo.config) : repoUrl;
      const branch = repo && !config.repo ? repo.config.branch : config.branch;
      const existing = await this.deps.syncs.get(declared.name);
      await this.deps.syncs.upsert({
        name: declared.name,
        repoUrl: url,
        branch,
        paths: config.resource_path.length > 0 ? config.resource_path : ["syncs"],
        managed: config.managed,
        webhookSecret: config.webhook_secret,
        declaredBy: name,
      });
      if (!existing)
        say(`added sync ${declared.name} (${url}, ${branch}, ${config.resource_path.join(", ") || "syncs"})`);
    }
  }

  /** Loads the last applied commit at start-up, so agents are configured before any request. */
  async restore(name: string): Promise<void> {
    const sync = await this.deps.syncs.get(name);
    if (!sync?.appliedCommit) return;
    const loaded = await this.load(sync.repoUrl, sync.branch, sync.appliedCommit, sync.paths).catch(() => undefined);
    if (loaded && loaded.errors.length === 0) this.configureFleet(name, loaded.fleet);
  }

  /** Agents' addresses and passkeys, and (through onFleet) alert settings and alerters. */
  private configureFleet(sync: string, fleet: Fleet) {
    this.deps.onFleet?.(sync, fleet);
    for (const server of fleet.servers) {
      this.deps.agents.configure(server.name, {
        address: server.config.address,
        passkey: server.config.passkey,
        timeoutSeconds: server.config.timeout_seconds,
      });
    }
  }

  private async apply(options: {
    name: string;
    fleet: Fleet;
    plan: Plan;
    /** What the sync had applied before this plan. */
    applied: FleetState;
    head: string;
    repoUrl: string;
    trigger: TriggerInfo;
    emit: (event: unknown) => void;
  }) {
    const { name, fleet, plan, applied, head, repoUrl, trigger, emit } = options;
    const say = (line: string) => emit({ type: "log", step: "apply", stream: "stdout", line });
    for (const server of fleet.servers) {
      await this.deps.servers.upsert({
        name: server.name,
        address: server.config.address,
        enabled: server.config.enabled,
        region: server.config.region,
        tags: server.tags,
      });
    }
    this.configureFleet(name, fleet);
    const fingerprints = new Map(fleet.stacks.map((stack) => [stack.name, fingerprintStack(stack)]));
    for (const stack of fleet.stacks) {
      await this.deps.stacks.upsertDesired({
        name: stack.name,
        server: stack.server,
        sync: name,
        project: stack.projectName,
        fingerprint: fingerprints.get(stack.name)?.fingerprint ?? "",
        spec: {
          description: stack.description,
          tags: stack.tags,
          runDirectory: stack.runDirectory,
          composeFiles: stack.composeFiles,
          environment: maskedEnvironment(stack.environment),
          source: stack.source,
          after: stack.after,
        },
      });
    }
    await this.declareSyncs(name, fleet, repoUrl, say);
    for (const resource of plan.resources.filter((r) => r.action === "delete")) {
      if (resource.kind === "stack") await this.deps.stacks.remove(resource.name);
      if (resource.kind === "server") await this.deps.servers.remove(resource.name);
      if (resource.kind === "resource_sync") await this.deps.syncs.remove(resource.name);
      say(`removed ${resource.kind} ${resource.name} (no longer declared)`);
    }
    for (const skipped of plan.skipped) say(`${skipped.stack}: skipped, ${skipped.reason}`);
    for (const pending of plan.pending) say(`${pending.stack}: pending manual deploy (auto_update = false)`);
    const byName = new Map(fleet.stacks.map((stack) => [stack.name, stack]));
    const jobs: DeployJob[] = [];
    for (const deploy of plan.deploys) {
      const stack = byName.get(deploy.stack);
      const fingerprint = fingerprints.get(deploy.stack);
      if (!stack || !fingerprint) continue;
      const url = sourceUrl(stack.source, repoUrl);
      const commit = stack.source.kind === "sync" ? head : await this.deps.mirrors.remoteHead(url, stack.source.branch);
      say(`${stack.name} → ${stack.server} (wave ${deploy.wave}): ${deploy.reasons.join("; ")}`);
      jobs.push({
        stack,
        commit,
        repoUrl: url,
        fingerprint: fingerprint.fingerprint,
        parts: fingerprint.parts,
        reasons: deploy.reasons,
        wave: deploy.wave,
      });
    }
    const outcomes = await this.deps.deployer.deployWaves(jobs, trigger);
    // A deploy that never reached its agent is retried on the next check (the sync stays
    // `failed` until then); one the agent ran and that failed waits for a change or a person.
    const state = structuredClone(plan.state);
    for (const outcome of outcomes.filter((o) => !o.ok && o.code === "E_AGENT_UNREACHABLE")) {
      const before = applied.stacks[outcome.stack];
      if (before) state.stacks[outcome.stack] = before;
      else delete state.stacks[outcome.stack];
      say(`${outcome.stack}: its server did not answer; it will be tried again on the next check`);
    }
    await this.deps.syncs.saveAppliedState(name, state, head);
    return outcomes;
  }
}
