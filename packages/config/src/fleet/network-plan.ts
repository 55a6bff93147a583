// Where each declared network is created, and how: a pure decision core
// carries out through the agents. A swarm's overlay is one network created on
// a manager. A swarm macvlan is a `--config-only` network on each node it
// exists on (its parent interface and addresses are per node), then one
// swarm-scoped network `--config-from` them on a manager. A server's networks
// are created on that server.
import type { NetworkSpec } from "@tugboat/protocol";
import type { HostNetwork, SwarmNetwork } from "../resources/networks.js";

export interface SwarmNetworkPlan {
  /** In order, on a manager. */
  manager: NetworkSpec[];
  /** Node hostname → the configurations to create there first. */
  nodes: Record<string, NetworkSpec[]>;
}

/** The name of a swarm macvlan's per-node configuration. */
export const configName = (network: string) => `${network}-config`;

export function swarmNetworkPlan(networks: readonly SwarmNetwork[]): SwarmNetworkPlan {
  const plan: SwarmNetworkPlan = { manager: [], nodes: {} };
  for (const network of networks) {
    if (network.driver === "overlay") {
      plan.manager.push({
        name: network.name,
        driver: "overlay",
        subnet: network.subnet,
        gateway: network.gateway,
        ipRange: network.ip_range,
        attachable: network.attachable,
        encrypted: network.encrypted,
      });
      continue;
    }
    for (const [node, own] of Object.entries(network.nodes)) {
      const list = plan.nodes[node] ?? [];
      list.push({
        name: configName(network.name),
        driver: "null",
        configOnly: true,
        parent: own.parent || network.parent,
        subnet: own.subnet || network.subnet,
        gateway: own.gateway || (own.subnet ? "" : network.gateway),
        ipRange: own.ip_range || (own.subnet ? "" : network.ip_range),
      });
      plan.nodes[node] = list;
    }
    plan.manager.push({
      name: network.name,
      driver: "macvlan",
      scope: "swarm",
      configFrom: configName(network.name),
      attachable: network.attachable,
    });
  }
  return plan;
}

export function hostNetworkSpecs(networks: readonly HostNetwork[]): NetworkSpec[] {
  return networks.map((network) => ({
    name: network.name,
    driver: network.driver,
    subnet: network.subnet,
    gateway: network.gateway,
    ipRange: network.ip_range,
    parent: network.parent,
  }));
}
