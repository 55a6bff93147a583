// The sync engine: notices a new commit (poll, webhook or a person), validates
// and plans it with @tugboat/config, and applies it (managed) or holds the
// plan (not managed). An invalid commit changes nothing and is recorded. A
// check never rejects: every failure ends up in the sync's status.
import {
  type AnalysisCache,
  type Diagnostic,
  EMPTY_STATE,
  FingerprintPartsSchema,
  type Fleet,
  type FleetState,
  fingerprintStack,
  formatDiagnostic,
  GitCommitSource,
  loadFleet,
  type Plan,
  planFleet,
  servicesToBuild,
  servicesToRecreate,
} from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import { type Deployer, sourceUrl, type TriggerInfo } from "../deploy/deployer.js";
import type { StackStore } from "../deploy/stack-store.js";
import type { Background } from "../process/background.js";
import { settledWithin } from "../process/settle.js";
import type { SecretMasker } from "../secrets/masker.js";
import type { Swarms } from "../swarm/swarms.js";
import type { UpdateLog } from "../updates/update-log.js";
import { applyPlan } from "./apply.js";
import { FleetHistory } from "./fleet-history.js";
import { appliedRepositories, OtherRepositoryWatch } from "./other-repos.js";
import { ownershipErrors } from "./ownership.js";
import type { RepoMirrors } from "./repo-mirror.js";
import type { SyncRow, SyncStore } from "./sync-store.js";

export interface SyncEngineDeps {
  syncs: SyncStore;
  servers: ServerStore;
  stacks: StackStore;
  log: UpdateLog;
  mirrors: RepoMirrors;
  deployer: Deployer;
  agents: AgentPool;
  swarms: Swarms;
  masker: SecretMasker;
  /** Variables and secrets core holds for a sync's `[[NAME]]`s (its own table, then TUG_SECRET_*). */
  held: (sync: string) => Promise<{ variables: Record<string, string>; secrets: Record<string, string> }>;
  /** Digest of values in fingerprints: an HMAC with core's key. */
  digest: (text: string) => string;
  background: Background;
  /** Analyses of repository files kept across syncs (TUG_ANALYSIS_CACHE_MB); none: every sync reads every file. */
  analysisCache?: AnalysisCache;
  /** TUG_SYNC_MANAGED: false holds every plan for a manual run; undefined follows the repository. */
  managedOverride?: boolean;
  /** Told each sync's fleet as it is applied or restored (alert settings and alerters). */
  onFleet?: (sync: string, fleet: Fleet) => void;
  /** Told what a sync applied (after its resources are written, with who triggered it). */
  onApplied?: (sync: string, plan: Plan, commit: string, trigger: TriggerInfo) => Promise<void>;
  /** Told whether a sync could reach its repository (null) or not (why), on every check. */
  onRemote?: (sync: string, problem: string | null) => void;
}

export interface CheckOutcome {
  commit: string;
  status: "unchanged" | "invalid" | "applied" | "pending" | "failed";
  updateId?: string;
}

interface Waiting {
  trigger: TriggerInfo;
  force: boolean;
}

export class SyncEngine {
  private readonly running = new Map<string, Promise<CheckOutcome>>();
  private readonly again = new Map<string, Waiting>();
  private readonly others: OtherRepositoryWatch;
  /** Fleets and files at any commit, for diffs. */
  readonly history: FleetHistory;

  constructor(private readonly deps: SyncEngineDeps) {
    this.others = new OtherRepositoryWatch(deps.mirrors, deps.masker);
    this.history = new FleetHistory({
      syncs: deps.syncs,
      mirrors: deps.mirrors,
      load: async (sync, commit) => {
        const pinned = sync.appliedCommit ? appliedRepositories(await deps.syncs.appliedState(sync.name)) : {};
        return (await this.load(sync, commit, pinned, true)).fleet;
      },
    });
  }

  /** Resolves once no check runs, or after `ms` (core is stopping). */
  idle(ms: number): Promise<void> {
    return settledWithin(this.running.values(), ms);
  }

  /**
   * Looks for a new commit and handles it. Calls that arrive while a check
   * runs coalesce into one more check afterwards (forced if any of them was),
   * so a storm of webhooks ends in the right final state without duplicate deploys.
   */
  check(name: string, trigger: TriggerInfo, options: { force?: boolean } = {}): Promise<CheckOutcome> {
    const current = this.running.get(name);
    if (current !== undefined) {
      const waiting = this.again.get(name);
      this.again.set(name, { trigger, force: (waiting?.force ?? false) || (options.force ?? false) });
      return current.then(() => this.running.get(name) ?? this.check(name, trigger, options));
    }
    const run = this.checkNow(name, trigger, options.force ?? false).finally(() => {
      this.running.delete(name);
      const next = this.again.get(name);
      if (next) {
        this.again.delete(name);
        this.deps.background(`sync ${name}: coalesced check`, this.check(name, next.trigger, { force: next.force }));
      }
    });
    this.running.set(name, run);
    return run;
  }

  private async checkNow(name: string, trigger: TriggerInfo, force: boolean): Promise<CheckOutcome> {
    const sync = await this.deps.syncs.get(name);
    if (!sync) throw new TugError("E_NOT_FOUND", `no sync named "${name}"`);
    let head: string;
    try {
      // A push webhook announces a new commit: fetch it now rather than ask for the head, then fetch.
      head =
        trigger.trigger === "webhook"
          ? await this.deps.mirrors.fetchHead(sync.repoUrl, sync.branch)
          : await this.deps.mirrors.remoteHead(sync.repoUrl, sync.branch);
      this.deps.onRemote?.(name, null);
    } catch (error) {
      // Not a commit problem: the sync keeps what it applied, says why, and alerts.
      const message = this.deps.masker.mask((error as Error).message);
      await this.deps.syncs.record(name, { head: null, status: "failed", error: message });
      this.deps.onRemote?.(name, message);
      return { commit: sync.headCommit ?? "", status: "failed" };
    }
    if (!force && head === sync.headCommit && sync.status !== "failed" && !(await this.others.moved(name)))
      return { commit: head, status: "unchanged" };
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
      const loaded = await this.load(sync, head);
      this.others.remember(name, loaded.fleet);
      // Errors in another repository's files hold back that repository's stacks (the plan says why), not this commit.
      const own = ownErrors(loaded.errors);
      for (const error of loaded.errors.filter((e) => e.repository !== undefined))
        writer.emit({
          type: "log",
          step: "validate",
          stream: "stderr",
          line: this.deps.masker.mask(formatDiagnostic(error)),
        });
      const errors = own.length > 0 ? own : ownershipErrors(name, loaded.fleet, await this.owners());
      if (errors.length > 0) {
        const masked = this.deps.masker.maskDeep(errors);
        await this.deps.syncs.record(name, { head, status: "invalid", errors: masked });
        await writer.end("failed", {
          error: { code: "E_INVALID_COMMIT", message: `commit ${head.slice(0, 7)} is invalid: nothing was applied` },
          errors: masked,
        });
        return { commit: head, status: "invalid", updateId };
      }
      const applied = await this.baseline(sync);
      const { managed, deleteMissing } = this.policy(sync, loaded.fleet);
      const plan = await this.plan(loaded.fleet, applied, deleteMissing);
      if (!managed && !force) {
        const { state: _state, fingerprints: _fingerprints, ...held } = plan;
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
      const outcomes = await applyPlan(this.deps, {
        sync: name,
        fleet: loaded.fleet,
        plan,
        applied,
        head,
        repoUrl: sync.repoUrl,
        deleteMissing,
        trigger,
        emit: writer.emit,
        configure: (fleet) => this.configureFleet(name, fleet),
      });
      await this.deps.onApplied?.(name, plan, head, trigger);
      const problem = applyProblem(outcomes, loaded.fleet);
      await this.deps.syncs.record(name, {
        head,
        status: problem ? "failed" : "ok",
        applied: head,
        ...(problem ? { error: problem.message } : {}),
      });
      await writer.end(problem ? "failed" : "success", { deploys: outcomes, ...(problem ? { error: problem } : {}) });
      return { commit: head, status: problem ? "failed" : "applied", updateId };
    } catch (error) {
      const message = this.deps.masker.mask((error as Error).message);
      await this.deps.syncs.record(name, { head, status: "failed", errors: [], error: message });
      await writer.end("failed", { error: { code: "E_SYNC_FAILED", message } });
      return { commit: head, status: "failed", updateId };
    }
  }

  /** Whether the sync applies by itself, and whether it deletes what its repository no longer declares. */
  private policy(sync: SyncRow, fleet: Fleet): { managed: boolean; deleteMissing: boolean } {
    if (sync.declaredBy !== null) {
      // A declared sync follows its declaration in the repository that declared it.
      return { managed: this.deps.managedOverride ?? sync.managed, deleteMissing: sync.delete || sync.managed };
    }
    const self = fleet.syncs.find((s) => s.self);
    return {
      managed: this.deps.managedOverride ?? self?.config.managed ?? true,
      deleteMissing: self ? self.config.delete || self.config.managed : false,
    };
  }

  /**
   * The fleet of `commit`. Stacks in other repositories are read at `pinned`
   * commits (`url#branch` → SHA: what was last applied), else at their
   * branch's head; a repository that cannot be read leaves its stacks as
   * they run. Its secret values are masked from now on: they replace the
   * sync's scope, which holds what its latest check read; a commit read for
   * a diff (`history`) adds to a scope of its own instead, so reading an
   * older commit never unmasks the current one's secrets.
   */
  private async load(sync: SyncRow, commit: string, pinned: Readonly<Record<string, string>> = {}, history = false) {
    const mirror = await this.deps.mirrors.fetch(sync.repoUrl, sync.branch, commit);
    const held = await this.deps.held(sync.name);
    const cache = this.deps.analysisCache;
    const source = await GitCommitSource.open({ repository: mirror, revision: commit, ...(cache ? { cache } : {}) });
    try {
      const loaded = await loadFleet(source, {
        repositories: this.others.opener(pinned),
        // None configured: the repository's own [[resource_sync]] entries say where.
        ...(sync.paths.length > 0 ? { resourcePaths: sync.paths } : {}),
        selfRepositories: [sync.repoUrl],
        selfBranch: sync.branch,
        secrets: held.secrets,
        variables: held.variables,
        knownServers: await this.knownServers(),
        ...(cache ? { cache } : {}),
      });
      // Every secret value this sync's repository uses is masked from now on, wherever it appears.
      if (history) this.deps.masker.add(`history:${sync.name}`, loaded.fleet.secretValues);
      else this.deps.masker.set(`sync:${sync.name}`, loaded.fleet.secretValues);
      return loaded;
    } finally {
      await source.close();
    }
  }

  /**
   * What the sync applied, to plan against. A state an older Tugboat wrote
   * holds fingerprints this version cannot compare: it is rebuilt by reading
   * the applied commit again, so an upgrade redeploys nothing.
   */
  private async baseline(sync: SyncRow): Promise<FleetState> {
    const stored = await this.deps.syncs.appliedState(sync.name);
    if (stored.version === EMPTY_STATE.version) return stored;
    if (!sync.appliedCommit) return EMPTY_STATE;
    const loaded = await this.load(sync, sync.appliedCommit, appliedRepositories(stored));
    if (ownErrors(loaded.errors).length > 0) return EMPTY_STATE;
    const rebuilt = (await this.plan(loaded.fleet, EMPTY_STATE, false)).state;
    const kept = <T>(entries: Record<string, T>, names: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(entries).filter(([name]) => name in names));
    return {
      ...rebuilt,
      resources: kept(rebuilt.resources, stored.resources),
      stacks: kept(rebuilt.stacks, stored.stacks),
    };
  }

  /** The plan of `fleet` against what its sync last applied. */
  private async plan(fleet: Fleet, applied: FleetState, deleteMissing: boolean): Promise<Plan> {
    const stopped = new Set((await this.deps.stacks.list()).filter((s) => s.stopped).map((s) => s.name));
    return planFleet(fleet, applied, {
      stopped,
      deleteMissing,
      knownServers: await this.knownServers(),
      digest: this.deps.digest,
    });
  }

  /** Servers core knows (from any sync): stacks of one sync may run on servers another declares. */
  private async knownServers(): Promise<Map<string, boolean>> {
    return new Map((await this.deps.servers.list()).map((server) => [server.name, server.enabled]));
  }

  private async owners() {
    return {
      servers: new Map((await this.deps.servers.list()).map((s) => [s.name, s.sync])),
      stacks: new Map((await this.deps.stacks.list()).map((s) => [s.name, s.sync])),
      syncs: new Map((await this.deps.syncs.list()).map((s) => [s.name, s.declaredBy])),
    };
  }

  /** A deploy someone asked for: the stack as of the last applied (or, before any, the head) commit. */
  async deployStack(stackName: string, trigger: TriggerInfo): Promise<string> {
    const row = await this.deps.stacks.get(stackName);
    const sync = row ? await this.deps.syncs.get(row.sync) : undefined;
    if (!row || !sync) throw new TugError("E_NOT_FOUND", `no stack named "${stackName}"`);
    const commit = sync.appliedCommit ?? (await this.deps.mirrors.remoteHead(sync.repoUrl, sync.branch));
    const applied = sync.appliedCommit ? appliedRepositories(await this.deps.syncs.appliedState(sync.name)) : {};
    const loaded = await this.load(sync, commit, applied);
    const stack = loaded.fleet.stacks.find((s) => s.name === stackName);
    if (!stack) throw new TugError("E_NOT_FOUND", `stack "${stackName}" is not in commit ${commit.slice(0, 7)}`);
    const stackCommit = stack.source.kind === "sync" ? commit : stack.source.commit;
    if (stackCommit === undefined)
      throw new TugError(
        "E_GIT_FAILED",
        `stack "${stackName}": ${stack.source.kind === "repo" ? stack.source.unreadable : "its repository was not read"}`,
      );
    this.configureFleet(sync.name, loaded.fleet);
    const url = sourceUrl(stack.source, sync.repoUrl);
    const { fingerprint, parts } = fingerprintStack(stack, this.deps.digest);
    await this.deps.stacks.setStopped(stackName, false);
    // Parts an older Tugboat stored have another shape: then nothing is known to have changed.
    const deployed = FingerprintPartsSchema.safeParse(await this.deps.stacks.deployedParts(stackName)).data;
    const started = await this.deps.deployer.start(
      {
        stack,
        commit: stackCommit,
        repoUrl: url,
        fingerprint,
        parts,
        reasons: ["manual deploy"],
        recreate: servicesToRecreate(deployed, parts, stack.fileMounts),
        build: servicesToBuild(deployed, parts, stack.buildInputs),
        wave: 1,
      },
      trigger,
    );
    this.deps.background(`deploy of ${stackName}`, started.done);
    return started.updateId;
  }

  /** Loads each sync's last applied commit at start-up, so agents are configured before any request. */
  async restoreAll(): Promise<void> {
    for (const sync of await this.deps.syncs.list()) {
      if (!sync.appliedCommit) continue;
      const applied = sync.appliedCommit;
      const loaded = await this.deps.syncs
        .appliedState(sync.name)
        .then((state) => this.load(sync, applied, appliedRepositories(state)))
        .catch(() => undefined);
      if (!loaded || ownErrors(loaded.errors).length > 0) continue;
      this.others.remember(sync.name, loaded.fleet);
      this.configureFleet(sync.name, loaded.fleet);
    }
  }

  /** Agents' addresses, passkeys and fingerprints, and (through onFleet) alert settings and alerters. */
  private configureFleet(sync: string, fleet: Fleet) {
    this.deps.onFleet?.(sync, fleet);
    this.deps.agents.configureSync(
      sync,
      new Map(
        fleet.servers.map((server) => [
          server.name,
          {
            address: server.config.address,
            connection: server.config.connection,
            passkey: server.config.passkey,
            timeoutSeconds: server.config.timeout_seconds,
            fingerprint: server.config.fingerprint,
          },
        ]),
      ),
    );
    this.deps.masker.set("passkeys", this.deps.agents.passkeys());
  }
}

/** The errors of the sync's own commit: those in another repository's files hold back only its stacks. */
function ownErrors(errors: readonly Diagnostic[]): Diagnostic[] {
  return errors.filter((error) => error.repository === undefined);
}

/**
 * Why an applied check still failed: deploys that failed, and stacks held
 * back because their other repository could not be read or has errors (they
 * keep running as they are; the sync stays failed, so it alerts and the next
 * poll tries again).
 */
function applyProblem(
  outcomes: ReadonlyArray<{ stack: string; ok: boolean; error?: string }>,
  fleet: Fleet,
): { code: string; message: string } | undefined {
  const failed = outcomes.filter((o) => !o.ok);
  const held = fleet.stacks.flatMap((stack) =>
    stack.source.kind === "repo" && stack.source.unreadable !== undefined
      ? [`${stack.name} (${stack.source.unreadable})`]
      : [],
  );
  const parts = [
    ...(failed.length > 0
      ? [
          `${failed.length} of ${outcomes.length} deploys failed: ${failed.map((f) => `${f.stack} (${f.error})`).join("; ")}`,
        ]
      : []),
    ...(held.length > 0 ? [`${held.length} stack(s) held back: ${held.join("; ")}`] : []),
  ];
  if (parts.length === 0) return undefined;
  return { code: failed.length > 0 ? "E_DEPLOY_FAILED" : "E_STACKS_HELD_BACK", message: parts.join(". ") };
}
