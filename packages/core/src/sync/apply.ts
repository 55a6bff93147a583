// Applies a valid plan of one sync: records its servers and stacks, declares
// the syncs its repository names, removes what it no longer declares (when it
// deletes), then deploys the stacks whose fingerprint changed, in waves.
// Every write is idempotent and removals go by ownership, so an apply cut off
// halfway is completed by the next one (the sync stays `failed` until then).
import { type Fleet, type FleetState, maskedEnvironment, type Plan } from "@tugboat/config";
import { redactUrl } from "@tugboat/git";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import { type Deployer, type DeployJob, sourceUrl, type TriggerInfo } from "../deploy/deployer.js";
import type { StackStore } from "../deploy/stack-store.js";
import { prepareNetworks } from "../swarm/prepare-networks.js";
import type { Swarms } from "../swarm/swarms.js";
import { declareSyncs } from "./declared-syncs.js";
import type { SyncStore } from "./sync-store.js";

export interface ApplyDeps {
  syncs: SyncStore;
  servers: ServerStore;
  stacks: StackStore;
  deployer: Deployer;
  agents: AgentPool;
  swarms: Swarms;
}

export async function applyPlan(
  deps: ApplyDeps,
  options: {
    sync: string;
    fleet: Fleet;
    plan: Plan;
    /** What the sync had applied before this plan. */
    applied: FleetState;
    head: string;
    repoUrl: string;
    deleteMissing: boolean;
    trigger: TriggerInfo;
    emit: (event: unknown) => void;
    /** Tells agents, alerts and the masker about this fleet. */
    configure: (fleet: Fleet) => void;
  },
) {
  const { sync, fleet, plan, applied, head, repoUrl, trigger, emit } = options;
  const say = (line: string) => emit({ type: "log", step: "apply", stream: "stdout", line });
  for (const server of fleet.servers) {
    await deps.servers.upsert({
      name: server.name,
      sync,
      address: server.config.address,
      connection: server.config.connection,
      enabled: server.config.enabled,
      region: server.config.region,
      tags: server.tags,
    });
  }
  options.configure(fleet);
  for (const stack of fleet.stacks) {
    await deps.stacks.upsertDesired({
      name: stack.name,
      server: stack.server,
      sync,
      project: stack.projectName,
      fingerprint: plan.fingerprints[stack.name]?.fingerprint ?? "",
      spec: {
        description: stack.description,
        tags: stack.tags,
        runDirectory: stack.runDirectory,
        composeFiles: stack.composeFiles,
        environment: maskedEnvironment(stack.environment),
        source: stack.source.kind === "repo" ? { ...stack.source, url: redactUrl(stack.source.url) } : stack.source,
        after: stack.after,
        swarm: stack.swarm ?? "",
        reconcile: stack.reconcile,
        ignoreServices: stack.config.ignore_services,
        checks: stack.checks,
        logAlerts: stack.config.log_alerts,
        images: stack.images,
        imageUpdates: {
          poll: stack.config.poll_for_updates || stack.config.auto_update,
          auto: stack.config.auto_update,
          allServices: stack.config.auto_update_all_services,
          skipServices: stack.config.auto_update_skip_services,
        },
      },
    });
  }
  for (const { kind, name, action } of plan.resources) say(`${action}d ${kind} ${name}`);
  await declareSyncs({ syncs: deps.syncs, owner: sync, fleet, repoUrl, say });
  if (options.deleteMissing) await removeUndeclared(deps, sync, fleet, say);
  else
    for (const { kind, name } of plan.kept) say(`kept ${kind} ${name} (no longer declared; the sync does not delete)`);
  for (const skipped of plan.skipped) say(`${skipped.stack}: skipped, ${skipped.reason}`);
  for (const pending of plan.pending) say(`${pending.stack}: pending manual deploy (deploy_on_push = false)`);

  const byName = new Map(fleet.stacks.map((stack) => [stack.name, stack]));
  const jobs: DeployJob[] = [];
  for (const deploy of plan.deploys) {
    const stack = byName.get(deploy.stack);
    const fingerprint = plan.fingerprints[deploy.stack];
    if (!stack || !fingerprint) continue;
    const url = sourceUrl(stack.source, repoUrl);
    // The plan skips a stack whose other repository could not be read: it has its commit.
    const commit = stack.source.kind === "sync" ? head : stack.source.commit;
    if (commit === undefined) continue;
    say(`${stack.name} → ${stack.server} (wave ${deploy.wave}): ${deploy.reasons.join("; ")}`);
    jobs.push({
      stack,
      commit,
      repoUrl: url,
      fingerprint: fingerprint.fingerprint,
      parts: fingerprint.parts,
      reasons: deploy.reasons,
      recreate: deploy.recreate,
      build: deploy.build,
      wave: deploy.wave,
    });
  }
  // Networks and node labels first: the stacks deploying now may need them.
  await prepareNetworks(deps, fleet, say);
  const outcomes = await deps.deployer.deployWaves(jobs, trigger);
  // A deploy that never reached its agent is retried on the next check (the sync stays
  // `failed` until then), and so is one that waited for it (`after`); one the agent ran and
  // that failed waits for a change or a person.
  const state = structuredClone(plan.state);
  const retried = outcomes.filter((o) => !o.ok && (o.code === "E_AGENT_UNREACHABLE" || o.waitedForUnreachable));
  for (const outcome of retried) {
    const before = applied.stacks[outcome.stack];
    if (before) state.stacks[outcome.stack] = before;
    else delete state.stacks[outcome.stack];
    say(
      outcome.waitedForUnreachable
        ? `${outcome.stack}: it comes after a stack whose server did not answer; both will be tried again on the next check`
        : `${outcome.stack}: its server did not answer; it will be tried again on the next check`,
    );
  }
  await deps.syncs.saveAppliedState(sync, state, head);
  return outcomes;
}

/** Servers, stacks and syncs this sync owns and no longer declares. */
async function removeUndeclared(deps: ApplyDeps, sync: string, fleet: Fleet, say: (line: string) => void) {
  const declared = {
    servers: new Set(fleet.servers.map((s) => s.name)),
    stacks: new Set(fleet.stacks.map((s) => s.name)),
    syncs: new Set(fleet.syncs.map((s) => s.name)),
  };
  for (const stack of await deps.stacks.list()) {
    if (stack.sync !== sync || declared.stacks.has(stack.name)) continue;
    await deps.stacks.remove(stack.name);
    say(`removed stack ${stack.name} (no longer declared)`);
  }
  for (const server of await deps.servers.list()) {
    if (server.sync !== sync || declared.servers.has(server.name)) continue;
    await deps.servers.remove(server.name);
    say(`removed server ${server.name} (no longer declared)`);
  }
  for (const child of await deps.syncs.list()) {
    if (child.declaredBy !== sync || declared.syncs.has(child.name)) continue;
    await deps.syncs.remove(child.name);
    say(`removed resource_sync ${child.name} (no longer declared)`);
  }
}
