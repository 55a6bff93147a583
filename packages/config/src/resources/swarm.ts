// `[[swarm]]`: a Docker Swarm, reached through the agents of its manager
// servers. Komodo's fields (`servers`/`server_ids`, `send_unhealthy_alerts`,
// `maintenance_windows`, `links`), and Tugboat's own: node labels and
// networks declared in Git, applied by core through a manager.
import { z } from "zod";
import { type KindSpec, keysOf, ResourceBase, StringList, UNSUPPORTED_BASE_FIELDS } from "./common.js";
import { SwarmNetwork } from "./networks.js";
import { MaintenanceWindow } from "./server.js";

const LABEL_KEY = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A node's labels: `["media"]` (a bare name is `media=true`), `["tier=fast"]`, or a table. */
const NodeLabels = z
  .union([StringList, z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))])
  .transform((value, ctx) => {
    const entries = Array.isArray(value)
      ? value.map((item): [string, string] => {
          const at = item.indexOf("=");
          return at < 0 ? [item, "true"] : [item.slice(0, at), item.slice(at + 1)];
        })
      : Object.entries(value).map(([key, v]): [string, string] => [key, String(v)]);
    for (const [key] of entries)
      if (!LABEL_KEY.test(key))
        ctx.addIssue({ code: "custom", message: `"${key}" is not a label name (letters, digits, '_', '.', '-')` });
    return Object.fromEntries(entries) as Record<string, string>;
  });

const swarmConfigShape = {
  /** Manager servers, tried in order: the first whose agent answers runs the swarm's work. */
  servers: StringList.default([]),
  /** Komodo's name for `servers`. */
  server_ids: StringList.default([]),
  send_unhealthy_alerts: z.boolean().default(true),
  maintenance_windows: z.array(MaintenanceWindow).default([]),
  links: StringList.default([]),
  /** Tugboat: labels by node hostname, applied and kept as declared (other labels are reported, not removed). */
  node_labels: z.record(z.string(), NodeLabels).default({}),
  /** Tugboat: networks created before the stacks that use them and never removed while in use. */
  networks: z.array(SwarmNetwork).default([]),
};

export const SwarmConfig = z.object(swarmConfigShape).transform(({ server_ids, ...config }) => ({
  ...config,
  servers: [...new Set([...config.servers, ...server_ids])],
}));
export type SwarmConfig = z.output<typeof SwarmConfig>;

export const SwarmResource = z.object({
  ...ResourceBase,
  config: SwarmConfig.default(SwarmConfig.parse({})),
});
export type SwarmResource = z.infer<typeof SwarmResource>;

export const swarmKind: KindSpec = {
  kind: "swarm",
  schema: SwarmResource,
  topLevelKeys: ["name", "description", "tags", "config"],
  configKeys: keysOf(swarmConfigShape),
  unsupportedTopLevel: UNSUPPORTED_BASE_FIELDS,
  unsupportedConfig: [],
};
