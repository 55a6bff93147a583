// `[[alerter]]`: where alerts are sent. Komodo's endpoint types plus SMTP email.
import { z } from "zod";
import { type KindSpec, keysOf, ResourceBase, StringList, UNSUPPORTED_BASE_FIELDS } from "./common.js";
import { MaintenanceWindow } from "./server.js";

const ALERTER_ENDPOINT_TYPES = ["Custom", "Slack", "Discord", "Ntfy", "Pushover", "Smtp"] as const;

export const AlerterEndpoint = z.object({
  type: z.enum(ALERTER_ENDPOINT_TYPES),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).default({}),
});
export type AlerterEndpoint = z.infer<typeof AlerterEndpoint>;

const alerterConfigShape = {
  enabled: z.boolean().default(true),
  endpoint: AlerterEndpoint.default({ type: "Custom", params: {} }),
  alert_types: StringList.default([]),
  resources: z.array(z.union([z.string(), z.record(z.string(), z.string())])).default([]),
  except_resources: z.array(z.union([z.string(), z.record(z.string(), z.string())])).default([]),
  maintenance_windows: z.array(MaintenanceWindow).default([]),
};

export const AlerterConfig = z.object(alerterConfigShape);
export type AlerterConfig = z.infer<typeof AlerterConfig>;

export const AlerterResource = z.object({
  ...ResourceBase,
  config: AlerterConfig.default(AlerterConfig.parse({})),
});
export type AlerterResource = z.infer<typeof AlerterResource>;

export const alerterKind: KindSpec = {
  kind: "alerter",
  schema: AlerterResource,
  topLevelKeys: ["name", "description", "tags", "config"],
  configKeys: keysOf(alerterConfigShape),
  unsupportedTopLevel: UNSUPPORTED_BASE_FIELDS,
  unsupportedConfig: [],
};
