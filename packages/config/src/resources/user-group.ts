// `[[user_group]]`: users and the roles they get.
import { z } from "zod";
import { type KindSpec, StringList } from "./common.js";

export const UserGroupResource = z.object({
  name: z.string().min(1),
  users: StringList.default([]),
  everyone: z.boolean().default(false),
  /** Komodo's base permission per resource kind, e.g. `{ Stack = "Execute" }`. */
  all: z.record(z.string(), z.string()).default({}),
  permissions: z.array(z.record(z.string(), z.unknown())).default([]),
});
export type UserGroupResource = z.infer<typeof UserGroupResource>;

export const userGroupKind: KindSpec = {
  kind: "user_group",
  schema: UserGroupResource,
  topLevelKeys: ["name", "users", "everyone", "all", "permissions"],
  unsupportedTopLevel: [],
  unsupportedConfig: [],
};
