// `[[server]]`: a Docker host running `tug agent`. Field names and defaults follow Komodo.
import { z } from "zod";
import { type KindSpec, keysOf, only, ResourceBase, StringList, UNSUPPORTED_BASE_FIELDS } from "./common.js";
import { HostNetwork } from "./networks.js";

const Percent = z.number().min(0).max(100);
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

export const MaintenanceWindow = z
  .object({
    name: z.string().default(""),
    description: z.string().default(""),
    schedule_type: z.enum(["Daily", "Weekly", "OneTime"]).default("Daily"),
    day_of_week: z.string().default(""),
    date: z.string().default(""),
    hour: z.number().int().min(0).max(23).default(0),
    minute: z.number().int().min(0).max(59).default(0),
    duration_minutes: z.number().int().positive().default(60),
    timezone: z.string().default(""),
    enabled: z.boolean().default(true),
  })
  .superRefine((window, ctx) => {
    if (window.timezone) {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: window.timezone });
      } catch {
        ctx.addIssue({
          code: "custom",
          path: ["timezone"],
          message: `unknown timezone "${window.timezone}" (use an IANA name such as "Europe/Berlin")`,
        });
      }
    }
    if (window.schedule_type === "Weekly" && !WEEKDAYS.includes(window.day_of_week.toLowerCase()))
      ctx.addIssue({
        code: "custom",
        path: ["day_of_week"],
        message: `a Weekly window needs day_of_week, one of ${WEEKDAYS.map((d) => d[0]?.toUpperCase() + d.slice(1)).join(", ")}`,
      });
    if (window.schedule_type === "OneTime" && !/^\d{4}-\d{2}-\d{2}$/.test(window.date))
      ctx.addIssue({
        code: "custom",
        path: ["date"],
        message: `a OneTime window needs date as YYYY-MM-DD (got "${window.date}")`,
      });
  });
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

const serverConfigShape = {
  address: z.string().default(""),
  /**
   * Tugboat: `inbound` (core dials `address`) or `outbound` (the agent dials core with the token
   * `tug server enroll` made, for hosts core cannot reach; no address).
   */
  connection: z.enum(["inbound", "outbound"]).default("inbound"),
  external_address: z.string().default(""),
  region: z.string().default(""),
  /** Komodo's default is false: a server must be enabled explicitly. */
  enabled: z.boolean().default(false),
  timeout_seconds: z.number().int().positive().default(3),
  /** The agent's passkey; may be `[[SECRET]]`. Falls back to core's TUG_AGENT_PASSKEY. */
  passkey: z.string().default(""),
  insecure_tls: z.boolean().default(true),
  /**
   * Tugboat: the SHA-256 fingerprint of the agent's certificate (tug agent prints it). When
   * given, core trusts an agent presenting it on first contact; otherwise an admin accepts it.
   */
  fingerprint: z
    .string()
    .default("")
    .refine(
      (v) => v === "" || /^[0-9a-f]{64}$/i.test(v.replace(/^sha256:/i, "").replaceAll(":", "")),
      "must be a SHA-256 fingerprint: 64 hex digits, with or without colons (as tug agent prints it)",
    ),
  ignore_mounts: StringList.default([]),
  stats_monitoring: z.boolean().default(true),
  auto_prune: z.boolean().default(true),
  send_unreachable_alerts: z.boolean().default(true),
  send_cpu_alerts: z.boolean().default(true),
  send_mem_alerts: z.boolean().default(true),
  send_disk_alerts: z.boolean().default(true),
  send_version_mismatch_alerts: z.boolean().default(true),
  cpu_warning: Percent.default(90),
  cpu_critical: Percent.default(99),
  mem_warning: Percent.default(75),
  mem_critical: Percent.default(95),
  disk_warning: Percent.default(75),
  disk_critical: Percent.default(95),
  maintenance_windows: z.array(MaintenanceWindow).default([]),
  /** Tugboat: no shells into this server's containers, whoever asks. */
  terminals_disabled: z.boolean().default(false),
  /** Tugboat: networks its stacks share (`external: true`), created before them. */
  networks: z.array(HostNetwork).default([]),
};

export const ServerConfig = z.object(serverConfigShape).superRefine((config, ctx) => {
  if (config.connection === "outbound" && config.address)
    ctx.addIssue({
      code: "custom",
      path: ["address"],
      message: `an outbound server has no address (its agent dials core); remove address = "${config.address}" or connection = "outbound"`,
    });
  if (config.connection === "outbound" && config.fingerprint)
    ctx.addIssue({
      code: "custom",
      path: ["fingerprint"],
      message:
        "an outbound server has no certificate for core to pin: core knows it by its enrolment token (tug server enroll)",
    });
});
export type ServerConfig = z.infer<typeof ServerConfig>;

export const ServerResource = z.object({
  ...ResourceBase,
  config: ServerConfig.default(ServerConfig.parse({})),
});
export type ServerResource = z.infer<typeof ServerResource>;

export const serverKind: KindSpec = {
  kind: "server",
  schema: ServerResource,
  topLevelKeys: ["name", "description", "tags", "config"],
  configKeys: keysOf(serverConfigShape),
  unsupportedTopLevel: UNSUPPORTED_BASE_FIELDS,
  unsupportedConfig: ["links", "cluster_id", "node_name", "auto_rotate_keys", "public_key"],
  // Core trusts an agent's self-signed certificate by its pinned fingerprint; the agent does not prune images.
  ignoredConfig: { insecure_tls: only(true), auto_prune: only(false), external_address: only("") },
};
