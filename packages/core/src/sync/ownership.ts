// Which sync may change which resource: each server, stack and declared sync
// belongs to the sync that first declared it. A repository that declares a
// name another sync owns (its root sync, a server, a stack) is refused at the
// line that does it, so one repository cannot take over another's resources.
import type { Diagnostic, Fleet } from "@tugboat/config";

export interface Owners {
  servers: ReadonlyMap<string, string>;
  stacks: ReadonlyMap<string, string>;
  /** Sync name → the sync that declared it (null: core's own root sync). */
  syncs: ReadonlyMap<string, string | null>;
}

export function ownershipErrors(sync: string, fleet: Fleet, owners: Owners): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const refuse = (kind: string, name: string, owner: string, at: Fleet["servers"][number]["at"]) =>
    errors.push({
      ...at,
      severity: "error",
      code: "E_OWNED_BY_OTHER_SYNC",
      message: `${kind} "${name}" belongs to sync "${owner}"; sync "${sync}" may not change it (rename it here, or change it in ${owner}'s repository)`,
      field: `${kind}.name`,
    });
  for (const server of fleet.servers) {
    const owner = owners.servers.get(server.name);
    if (owner && owner !== sync) refuse("server", server.name, owner, server.at);
  }
  for (const stack of fleet.stacks) {
    const owner = owners.stacks.get(stack.name);
    if (owner && owner !== sync) refuse("stack", stack.name, owner, stack.at);
  }
  for (const declared of fleet.syncs) {
    if (declared.self || !owners.syncs.has(declared.name)) continue;
    const by = owners.syncs.get(declared.name);
    if (declared.name === sync) refuse("resource_sync", declared.name, sync, declared.at);
    else if (by !== sync) refuse("resource_sync", declared.name, by ?? "core (TUG_SYNC_REPO)", declared.at);
  }
  return errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
