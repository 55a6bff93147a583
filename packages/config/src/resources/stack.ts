// `[[stack]]`: a Compose project on one server. Field names, defaults and
// meanings follow Komodo; `deploy_on_push` and the reconcile fields are Tugboat's own
// (docs/decisions/005).
import { z } from "zod";
import { CheckConfig } from "../fleet/checks.js";
import { LogAlertConfig } from "../fleet/log-alerts.js";
import { type KindSpec, keysOf, only, ResourceBase, StringList, UNSUPPORTED_BASE_FIELDS } from "./common.js";

export const SystemCommand = z.object({
  path: z.string().default(""),
  command: z.string().default(""),
});
export type SystemCommand = z.infer<typeof SystemCommand>;

/** Komodo accepts `"file.env"` or `{ path = "file.env", track = true }`. */
export const AdditionalEnvFile = z
  .union([z.string(), z.object({ path: z.string(), track: z.boolean().default(true) })])
  .transform((value) => (typeof value === "string" ? value : value.path));

/** `environment` as one string of `KEY=value` lines, or as a list or table. */
export const Environment = z
  .union([z.string(), z.array(z.string()), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))])
  .transform((value) => {
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.join("\n");
    return Object.entries(value)
      .map(([name, v]) => `${name}=${v}`)
      .join("\n");
  });

const stackConfigShape = {
  server: z.string().default(""),
  /** The [[swarm]] to deploy to with `docker stack deploy`, instead of a server (Komodo: swarm wins when both are set). */
  swarm: z.string().default(""),
  /** Komodo's name for `swarm`. */
  swarm_id: z.string().default(""),
  project_name: z.string().default(""),
  run_directory: z.string().default(""),
  file_paths: StringList.default([]),
  environment: Environment.default(""),
  env_file_path: z.string().default(".env"),
  additional_env_files: z.array(AdditionalEnvFile).default([]),
  /** Check the registry for a newer digest of each service's image tag; show it and alert. */
  poll_for_updates: z.boolean().default(false),
  /** Also redeploy the services whose image has a newer digest (implies polling). */
  auto_update: z.boolean().default(false),
  /** With auto_update: redeploy every service of the stack when one image changed. */
  auto_update_all_services: z.boolean().default(false),
  /** With auto_update: services never updated automatically (still shown). */
  auto_update_skip_services: StringList.default([]),
  auto_pull: z.boolean().default(true),
  webhook_enabled: z.boolean().default(true),
  linked_repo: z.string().default(""),
  repo: z.string().default(""),
  git_provider: z.string().default("github.com"),
  git_https: z.boolean().default(true),
  branch: z.string().default("main"),
  reclone: z.boolean().default(false),
  ignore_services: StringList.default([]),
  extra_args: StringList.default([]),
  pre_deploy: SystemCommand.default({ path: "", command: "" }),
  post_deploy: SystemCommand.default({ path: "", command: "" }),
  destroy_before_deploy: z.boolean().default(false),
  send_alerts: z.boolean().default(true),
  /** Build every service with a `build:` before `up` (Komodo's run_build); without it, only changed ones are built. */
  run_build: z.boolean().default(false),
  /** Leave `[[NAME]]` as written in the environment and fields (Komodo's skip_secret_interp). */
  skip_secret_interp: z.boolean().default(false),
  // Tugboat's own.
  /** Deploy a stack whose fingerprint changed when its sync reads the commit; false: pending manual deploy. */
  deploy_on_push: z.boolean().default(true),
  // Unset ones take tugboat.toml's [reconcile] defaults.
  /** Redeploy the recorded version when the stack drifts. */
  self_heal: z.boolean().optional(),
  /** Restart a service whose healthcheck failed this many times in a row (0: never). */
  unhealthy_restart_after: z.number().int().min(0).max(1000).optional(),
  /** Bring back the last good deploy when a new one fails its health gate. */
  auto_rollback: z.boolean().optional(),
  /** What a deploy must pass: containers running and healthy, or also the stack's uptime checks. */
  deploy_gate: z.enum(["health", "checks"]).default("health"),
  /** Uptime checks the agent runs on the host (services may declare more by `tugboat.check.*` labels). */
  checks: z.array(CheckConfig).default([]),
  /** Ship the stack's container logs to core (a container labelled `tugboat.logs=false` is left out either way). */
  ship_logs: z.boolean().default(true),
  /** Log lines that open a `LogPattern` alert. */
  log_alerts: z.array(LogAlertConfig).max(50).default([]),
};

export const StackConfig = z.object(stackConfigShape);
export type StackConfig = z.infer<typeof StackConfig>;

export const StackResource = z.object({
  ...ResourceBase,
  deploy: z.boolean().default(false),
  after: StringList.default([]),
  config: StackConfig.default(StackConfig.parse({})),
});
export type StackResource = z.infer<typeof StackResource>;

export const stackKind: KindSpec = {
  kind: "stack",
  schema: StackResource,
  topLevelKeys: ["name", "description", "tags", "deploy", "after", "config"],
  configKeys: keysOf(stackConfigShape),
  unsupportedTopLevel: UNSUPPORTED_BASE_FIELDS,
  ignoredConfig: {
    // Stacks deploy through their sync's webhook and poll; there is no per-stack webhook or poll yet.
    webhook_enabled: only(true),
    reclone: only(false),
    send_alerts: only(true),
  },
  configWarnings: (config) =>
    // Tugboat before 0.5 read `auto_update = false` as "do not deploy on push"; Komodo never writes it (its default).
    config.auto_update === false && config.deploy_on_push === undefined
      ? [
          {
            key: "auto_update",
            code: "W_AUTO_UPDATE_MEANING",
            message:
              "auto_update = false now means what it means in Komodo (no automatic image updates): a changed stack still deploys on push. Set deploy_on_push = false to keep it waiting for a manual deploy",
          },
        ]
      : [],
  unsupportedConfig: [
    "links",
    "build_extra_args",
    "git_account",
    "commit",
    "clone_path",
    "webhook_secret",
    "webhook_force_deploy",
    "files_on_host",
    "file_contents",
    "config_files",
    "registry_provider",
    "registry_account",
    "compose_cmd_wrapper",
    "compose_cmd_wrapper_include",
  ],
};
