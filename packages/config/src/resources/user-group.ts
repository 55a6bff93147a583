// `[[user_group]]`: who is in a group and what the group may do, in Komodo's
// permission model: a level (None < Read < Execute < Write) plus specific
// permissions (Logs, Terminal, …), on every resource of a kind (`all.Stack`)
// or on resources a `permissions` entry targets by name, by regex (`\^…$\`,
// Komodo's form) or by tag (`target.tag`, Tugboat's addition).
import { z } from "zod";
import { type KindSpec, StringList } from "./common.js";

export const PERMISSION_LEVELS = ["None", "Read", "Execute", "Write"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];
export const SPECIFIC_PERMISSIONS = ["Logs", "Inspect", "Terminal", "Attach", "Processes"] as const;
export type SpecificPermission = (typeof SPECIFIC_PERMISSIONS)[number];

/** Komodo's resource types; those Tugboat has no resource for are read and grant nothing. */
export const PERMISSION_TARGET_TYPES = [
  "Server",
  "Stack",
  "ResourceSync",
  "Swarm",
  "Alerter",
  "Deployment",
  "Build",
  "Repo",
  "Procedure",
  "Action",
  "Builder",
] as const;

const Level = z.enum(PERMISSION_LEVELS);
const Specific = z.array(z.enum(SPECIFIC_PERMISSIONS)).default([]);

/** `"Execute"` or `{ level = "Execute", specific = ["Logs"] }`. */
const LevelAndSpecific = z.union([
  Level.transform((level) => ({ level, specific: [] as SpecificPermission[] })),
  z.strictObject({ level: Level.default("None"), specific: Specific }),
]);

/** The pattern of a `\^…$\` target id; undefined for a plain name. */
export function targetPattern(id: string): string | undefined {
  return id.length > 2 && id.startsWith("\\") && id.endsWith("\\") ? id.slice(1, -1) : undefined;
}

/**
 * Patterns come from the repository and run on every permission check: one
 * that can backtrack without end (a quantified group that holds a
 * quantifier, as in `(a+)+`) is refused, as is a long one.
 */
function patternProblem(pattern: string): string | undefined {
  if (pattern.length > 200) return "a target regex is at most 200 characters";
  try {
    new RegExp(pattern);
  } catch (error) {
    return `not a regular expression: ${(error as Error).message}`;
  }
  if (/\([^)]*[+*}][^)]*\)\s*[+*{]/.test(pattern)) return "a quantified group holding a quantifier may never finish";
  return undefined;
}

const Target = z
  .strictObject({
    type: z.enum(PERMISSION_TARGET_TYPES),
    id: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
  })
  .superRefine((target, ctx) => {
    if ((target.id === undefined) === (target.tag === undefined))
      ctx.addIssue({ code: "custom", message: "a target names either id (a name or \\^regex$\\) or tag" });
    const pattern = target.id === undefined ? undefined : targetPattern(target.id);
    const problem = pattern === undefined ? undefined : patternProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", path: ["id"], message: problem });
  });

const PermissionEntry = z.strictObject({
  target: Target,
  level: Level.default("None"),
  specific: Specific,
});

export const UserGroupResource = z.object({
  name: z.string().min(1),
  users: StringList.default([]),
  everyone: z.boolean().default(false),
  /** Komodo's base permission per resource type, e.g. `all.Stack = "Execute"`. */
  all: z.partialRecord(z.enum(PERMISSION_TARGET_TYPES), LevelAndSpecific).default({}),
  permissions: z.array(PermissionEntry).default([]),
});
export type UserGroupResource = z.infer<typeof UserGroupResource>;

export const userGroupKind: KindSpec = {
  kind: "user_group",
  schema: UserGroupResource,
  topLevelKeys: ["name", "users", "everyone", "all", "permissions"],
  unsupportedTopLevel: [],
  unsupportedConfig: [],
};
