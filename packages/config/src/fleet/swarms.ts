// Resolves each [[swarm]]: its manager servers exist and belong to no other
// swarm, and its networks have distinct names.
import type { Diagnostics } from "../diagnostics.js";
import type { ReadResource } from "../resources/read-resources.js";
import type { SwarmResource } from "../resources/swarm.js";
import type { FleetSwarm } from "./model.js";
import { didYouMean } from "./suggest.js";

export function resolveSwarms(
  resources: readonly ReadResource[],
  serverEnabled: ReadonlyMap<string, boolean>,
  diagnostics: Diagnostics,
): FleetSwarm[] {
  const managerOf = new Map<string, string>();
  return resources.map((resource) => {
    const value = resource.value as SwarmResource;
    const raw = (resource.raw.config ?? {}) as Record<string, unknown>;
    // Komodo's `server_ids` and `servers` are one list; locate an entry in whichever was written.
    const field = raw.servers !== undefined ? "servers" : "server_ids";
    const locate = (...path: Array<string | number>) => resource.toml.locate([...resource.path, "config", ...path]);
    if (value.config.servers.length === 0)
      diagnostics.error(
        "E_MISSING_FIELD",
        `swarm "${value.name}" has no manager servers: set config.servers`,
        resource.at,
        "swarm.config.servers",
      );
    value.config.servers.forEach((server, index) => {
      const at = Array.isArray(raw[field]) ? locate(field, index) : locate(field);
      if (!serverEnabled.has(server)) {
        diagnostics.error(
          "E_UNKNOWN_SERVER",
          `swarm "${value.name}": unknown server "${server}"${didYouMean(server, serverEnabled.keys())}`,
          at,
          "swarm.config.servers",
        );
        return;
      }
      const other = managerOf.get(server);
      if (other !== undefined && other !== value.name)
        diagnostics.error(
          "E_SERVER_IN_TWO_SWARMS",
          `server "${server}" is a manager of swarm "${other}" already; a node belongs to one swarm`,
          at,
          "swarm.config.servers",
        );
      managerOf.set(server, value.name);
    });
    const names = new Set<string>();
    value.config.networks.forEach((network, index) => {
      if (names.has(network.name))
        diagnostics.error(
          "E_DUPLICATE_NAME",
          `swarm "${value.name}" declares network "${network.name}" twice`,
          locate("networks", index, "name"),
          "swarm.config.networks",
        );
      names.add(network.name);
    });
    return {
      name: value.name,
      at: resource.at,
      description: value.description,
      tags: value.tags,
      config: value.config,
    };
  });
}
