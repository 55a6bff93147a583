// Store rows as the API shows them: only what a viewer may see (reply
// schemas strip the rest), with credentials in URLs redacted.

import { redactUrl } from "@tugboat/git";
import type { ServerView, StackSpecView, StackView, SyncView } from "@tugboat/protocol";
import type { ServerRow } from "../agents/server-store.js";
import { allows, type Grant } from "../auth/permissions.js";
import { reconcileSpec } from "../deploy/stack-spec.js";
import type { StackRow } from "../deploy/stack-store.js";
import type { SyncRow } from "../sync/sync-store.js";

export function serverView(row: ServerRow): ServerView {
  return { ...row, address: redactUrl(row.address) };
}

/** A swarm stack's tasks (running of desired), from what its swarm's manager last reported. */
export type SwarmReplicas = (swarm: string, project: string) => StackView["replicas"];

export function stackView(row: StackRow, replicas?: SwarmReplicas): StackView {
  const spec = (row.spec ?? {}) as Partial<StackSpecView>;
  const source =
    spec.source?.kind === "repo" ? { ...spec.source, url: redactUrl(spec.source.url) } : { kind: "sync" as const };
  const { reconcile } = reconcileSpec(row.spec);
  return {
    ...row,
    replicas: spec.swarm && replicas ? replicas(spec.swarm, row.project) : null,
    heals: row.heals.map((at) => new Date(at).toISOString()),
    spec: {
      description: spec.description ?? "",
      tags: spec.tags ?? [],
      runDirectory: spec.runDirectory ?? "",
      composeFiles: spec.composeFiles ?? [],
      environment: spec.environment ?? "",
      source,
      after: spec.after ?? [],
      swarm: spec.swarm ?? "",
      reconcile: {
        selfHeal: reconcile.self_heal,
        autoRollback: reconcile.auto_rollback,
        unhealthyRestartAfter: reconcile.unhealthy_restart_after,
        healBudget: reconcile.heal_budget,
        healWindowMinutes: reconcile.heal_window_minutes,
        deployGate: reconcile.deploy_gate,
      },
    },
  };
}

export function syncView(row: SyncRow): SyncView {
  return { ...row, repoUrl: redactUrl(row.repoUrl) };
}

/** A grant as the UI uses it: which of a stack's buttons work for the caller. */
export function accessView(grant: Grant) {
  return {
    level: grant.level,
    execute: allows(grant, "Execute"),
    logs: allows(grant, "Read", "Logs"),
    terminal: allows(grant, "Execute", "Terminal"),
  };
}
