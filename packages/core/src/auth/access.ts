// Permission checks for a running core: the user groups every sync declares,
// the resources' tags from the stores, and the one check every route, stream
// and list goes through.
import type { PermissionLevel, SpecificPermission, UserGroupResource } from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { ServerStore } from "../agents/server-store.js";
import { type StackRow, type StackStore, specTags } from "../deploy/stack-store.js";
import type { UpdateStore } from "../updates/update-store.js";
import {
  allows,
  type CompiledGroup,
  compileGroup,
  type Grant,
  grantOn,
  groupsOf,
  RESOURCE_KINDS,
  type ResourceKind,
  type ResourceRef,
  roleAllows,
} from "./permissions.js";
import type { Principal } from "./sessions.js";

export interface AccessDeps {
  stacks: StackStore;
  servers: ServerStore;
  updates: UpdateStore;
}

const isKind = (kind: string): kind is ResourceKind => kind in RESOURCE_KINDS;

export class Access {
  private readonly bySync = new Map<string, CompiledGroup[]>();
  private all: CompiledGroup[] = [];

  constructor(private readonly deps: AccessDeps) {}

  /** The user groups one sync declares, replacing what it declared before. */
  configureSync(sync: string, groups: readonly UserGroupResource[]): void {
    this.bySync.set(sync, groups.map(compileGroup));
    this.all = [...this.bySync.values()].flat();
  }

  /** The names of the groups a user is in. */
  groupsOf(principal: Principal): string[] {
    return groupsOf(this.subject(principal), this.all).map((group) => group.name);
  }

  grant(principal: Principal, resource: ResourceRef): Grant {
    return grantOn(this.subject(principal), this.all, resource);
  }

  can(principal: Principal, resource: ResourceRef, level: PermissionLevel, specific?: SpecificPermission): boolean {
    return allows(this.grant(principal, resource), level, specific);
  }

  /** A resource as permissions see it: its tags come from the stores. */
  async resource(kind: ResourceKind, name: string): Promise<ResourceRef> {
    if (kind === "stack") return { kind, name, tags: await this.stackTags(name) };
    if (kind === "server") return { kind, name, tags: (await this.deps.servers.get(name))?.tags ?? [] };
    return { kind, name, tags: [] };
  }

  /**
   * Throws unless the principal has `level` (and `specific`) on the named
   * resource, or on an update's target. The refusal is the same whether or
   * not the resource exists, so it reveals nothing to someone without Read.
   */
  async check(
    principal: Principal,
    rule: { kind: ResourceKind | "update"; level: PermissionLevel; specific?: SpecificPermission },
    name: string,
  ): Promise<void> {
    let resource: ResourceRef | undefined;
    if (rule.kind === "update") {
      const update = await this.deps.updates.get(name);
      if (!update) return; // the route answers 404
      if (!isKind(update.targetKind)) return this.needRole(principal, "admin", `update ${name}`);
      resource = await this.resource(update.targetKind, update.targetName);
    } else resource = await this.resource(rule.kind, name);
    const grant = this.grant(principal, resource);
    if (allows(grant, rule.level, rule.specific)) return;
    const need = `${rule.level}${rule.specific ? ` with ${rule.specific}` : ""}`;
    const have = `${grant.level}${grant.specific.size > 0 ? ` with ${[...grant.specific].join(", ")}` : ""}`;
    throw new TugError(
      "E_FORBIDDEN",
      `${principal.username} may not do this to ${resource.kind} ${resource.name}: it needs ${need}, and ${principal.username} has ${have}`,
    );
  }

  /** The items the principal may read (`specific`: and use that permission on). */
  async filter<T>(
    principal: Principal,
    kind: ResourceKind,
    items: readonly T[],
    nameOf: (item: T) => string,
    specific?: SpecificPermission,
  ): Promise<T[]> {
    if (roleAllows(principal.role, "Read", specific)) return [...items];
    const kept: T[] = [];
    for (const item of items)
      if (this.can(principal, await this.resource(kind, nameOf(item)), "Read", specific)) kept.push(item);
    return kept;
  }

  /**
   * `filter` for items that carry what permissions need (a stack's row, its tags): no store
   * read per item. At 5,000 stacks, a read each held core's event loop for 1.5 s a listing.
   */
  filterRefs<T>(principal: Principal, items: readonly T[], refOf: (item: T) => ResourceRef): T[] {
    if (roleAllows(principal.role, "Read")) return [...items];
    return items.filter((item) => this.can(principal, refOf(item), "Read"));
  }

  /** Records about a resource (updates, alerts): kept when the principal may read their target. */
  async filterTargets<T>(
    principal: Principal,
    items: readonly T[],
    targetOf: (item: T) => { kind: string; name: string },
  ) {
    if (roleAllows(principal.role, "Read")) return [...items];
    const kept: T[] = [];
    for (const item of items) {
      const { kind, name } = targetOf(item);
      const readable = isKind(kind)
        ? this.can(principal, await this.resource(kind, name), "Read")
        : principal.role === "admin";
      if (readable) kept.push(item);
    }
    return kept;
  }

  private needRole(principal: Principal, role: "admin", what: string): void {
    if (principal.role !== role) throw new TugError("E_FORBIDDEN", `${what} is visible to the ${role} role only`);
  }

  private async stackTags(name: string): Promise<readonly string[]> {
    const row = await this.deps.stacks.get(name);
    return row ? stackRef(row).tags : [];
  }

  private subject(principal: Principal) {
    return {
      username: principal.username,
      role: principal.role,
      claimGroups: principal.claimGroups,
      maxLevel: principal.maxLevel,
    };
  }
}

/** A stack as permissions see it, from its row: its tags are in its spec. */
export function stackRef(row: Pick<StackRow, "name" | "spec">): ResourceRef {
  return { kind: "stack", name: row.name, tags: specTags(row.spec) };
}
