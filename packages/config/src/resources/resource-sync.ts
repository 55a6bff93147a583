// `[[resource_sync]]`: a set of resource files in a repository that Tugboat applies.
import { z } from "zod";
import { type KindSpec, keysOf, only, ResourceBase, StringList, UNSUPPORTED_BASE_FIELDS } from "./common.js";

const resourceSyncConfigShape = {
  linked_repo: z.string().default(""),
  repo: z.string().default(""),
  git_provider: z.string().default("github.com"),
  git_https: z.boolean().default(true),
  branch: z.string().default("main"),
  resource_path: StringList.default([]),
  /** Apply new commits automatically; otherwise the plan waits as "pending". */
  managed: z.boolean().default(false),
  /** Delete resources that are no longer declared. */
  delete: z.boolean().default(false),
  pending_alert: z.boolean().default(true),
  webhook_enabled: z.boolean().default(true),
  webhook_secret: z.string().default(""),
  include_resources: z.boolean().default(true),
  include_variables: z.boolean().default(false),
  include_user_groups: z.boolean().default(false),
  match_tags: StringList.default([]),
};

export const ResourceSyncConfig = z.object(resourceSyncConfigShape);
export type ResourceSyncConfig = z.infer<typeof ResourceSyncConfig>;

export const ResourceSyncResource = z.object({
  ...ResourceBase,
  config: ResourceSyncConfig.default(ResourceSyncConfig.parse({})),
});
export type ResourceSyncResource = z.infer<typeof ResourceSyncResource>;

export const resourceSyncKind: KindSpec = {
  kind: "resource_sync",
  schema: ResourceSyncResource,
  topLevelKeys: ["name", "description", "tags", "config"],
  configKeys: keysOf(resourceSyncConfigShape),
  unsupportedTopLevel: UNSUPPORTED_BASE_FIELDS,
  unsupportedConfig: ["files_on_host", "file_contents", "git_account", "commit"],
  // A sync with a webhook secret accepts webhooks; a waiting plan raises no alert yet.
  ignoredConfig: { webhook_enabled: only(true), pending_alert: only(false) },
};
