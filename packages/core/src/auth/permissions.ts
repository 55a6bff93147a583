// Who may do what to which resource: Komodo's model, decided by pure
// functions. A user's grant on a resource is the highest of their role's
// base grant and every grant of the user groups they are in (named in
// `users`, `everyone = true`, or matching a group claim of their OIDC login);
// an API key may narrow it to a level.
import {
  PERMISSION_LEVELS,
  type PermissionLevel,
  SPECIFIC_PERMISSIONS,
  type SpecificPermission,
  targetPattern,
  type UserGroupResource,
} from "@tugboat/config";

export const ROLES = ["admin", "operator", "viewer", "user"] as const;
export type Role = (typeof ROLES)[number];

/** Tugboat's resource kinds, and the Komodo type a `[[user_group]]` names each by. */
export const RESOURCE_KINDS = {
  server: "Server",
  stack: "Stack",
  sync: "ResourceSync",
  swarm: "Swarm",
  alerter: "Alerter",
} as const;
export type ResourceKind = keyof typeof RESOURCE_KINDS;

export interface Grant {
  level: PermissionLevel;
  specific: ReadonlySet<SpecificPermission>;
}

export interface ResourceRef {
  kind: ResourceKind;
  name: string;
  tags: readonly string[];
}

export interface Subject {
  username: string;
  role: Role;
  /** The group claim of the user's OIDC login (none for local users). */
  claimGroups: readonly string[];
  /** An API key narrowed to this level. */
  maxLevel?: PermissionLevel | undefined;
}

const rank = (level: PermissionLevel) => PERMISSION_LEVELS.indexOf(level);
const ALL_SPECIFIC: ReadonlySet<SpecificPermission> = new Set(SPECIFIC_PERMISSIONS);

/** What each role grants on every resource, before any user group. */
const ROLE_GRANTS: Record<Role, Grant> = {
  admin: { level: "Write", specific: ALL_SPECIFIC },
  operator: { level: "Execute", specific: new Set(["Logs", "Inspect"]) },
  viewer: { level: "Read", specific: new Set(["Logs"]) },
  user: { level: "None", specific: new Set() },
};

/** Roles that may use routes that are not about one resource, highest first. */
export const roleRank = (role: string): number => ["viewer", "operator", "admin"].indexOf(role);

interface CompiledRule {
  type: string;
  matches(resource: ResourceRef): boolean;
  grant: Grant;
}

export interface CompiledGroup {
  name: string;
  everyone: boolean;
  users: ReadonlySet<string>;
  all: ReadonlyMap<string, Grant>;
  rules: readonly CompiledRule[];
}

const grantOf = (level: PermissionLevel, specific: readonly SpecificPermission[]): Grant => ({
  level,
  specific: new Set(specific),
});

/** A validated `[[user_group]]` made ready for checks (its patterns compiled once). */
export function compileGroup(group: UserGroupResource): CompiledGroup {
  return {
    name: group.name,
    everyone: group.everyone,
    users: new Set(group.users),
    all: new Map(Object.entries(group.all).map(([type, grant]) => [type, grantOf(grant.level, grant.specific)])),
    rules: group.permissions.map((entry) => {
      const { type, id, tag } = entry.target;
      const pattern = id === undefined ? undefined : targetPattern(id);
      const regex = pattern === undefined ? undefined : new RegExp(pattern);
      const matches = (resource: ResourceRef) =>
        tag !== undefined
          ? resource.tags.includes(tag)
          : regex !== undefined
            ? regex.test(resource.name)
            : resource.name === id;
      return { type, matches, grant: grantOf(entry.level, entry.specific) };
    }),
  };
}

/** The groups a subject is in. */
export function groupsOf(subject: Subject, groups: readonly CompiledGroup[]): CompiledGroup[] {
  return groups.filter(
    (group) => group.everyone || group.users.has(subject.username) || subject.claimGroups.includes(group.name),
  );
}

function merge(into: { level: PermissionLevel; specific: Set<SpecificPermission> }, grant: Grant) {
  if (rank(grant.level) > rank(into.level)) into.level = grant.level;
  for (const specific of grant.specific) into.specific.add(specific);
}

/** The subject's grant on one resource. */
export function grantOn(subject: Subject, groups: readonly CompiledGroup[], resource: ResourceRef): Grant {
  const type = RESOURCE_KINDS[resource.kind];
  const base = ROLE_GRANTS[subject.role] ?? ROLE_GRANTS.user;
  const result = { level: base.level, specific: new Set(base.specific) };
  for (const group of groupsOf(subject, groups)) {
    const all = group.all.get(type);
    if (all) merge(result, all);
    for (const rule of group.rules) if (rule.type === type && rule.matches(resource)) merge(result, rule.grant);
  }
  if (subject.maxLevel !== undefined && rank(result.level) > rank(subject.maxLevel)) result.level = subject.maxLevel;
  return result;
}

/** True when the role alone allows it on every resource (lists then need no per-item check). */
export function roleAllows(role: Role, level: PermissionLevel, specific?: SpecificPermission): boolean {
  const base = ROLE_GRANTS[role];
  return base !== undefined && allows(base, level, specific);
}

/** Specific permissions count from a level: Logs and Inspect from Read, Terminal from Execute. */
const SPECIFIC_NEEDS: Record<SpecificPermission, PermissionLevel> = {
  Logs: "Read",
  Inspect: "Read",
  Processes: "Read",
  Attach: "Read",
  Terminal: "Execute",
};

/** True when the grant allows `level` and, if named, the specific permission. */
export function allows(grant: Grant, level: PermissionLevel, specific?: SpecificPermission): boolean {
  if (rank(grant.level) < rank(level)) return false;
  if (specific === undefined) return true;
  return grant.specific.has(specific) && rank(grant.level) >= rank(SPECIFIC_NEEDS[specific]);
}
