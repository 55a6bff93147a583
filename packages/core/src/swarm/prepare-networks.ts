// Before a sync's deploys: the networks its servers and swarms declare are
// created where the network plan says (never removed), and each swarm's node
// labels are set as declared. What could not be done is said in the sync's
// record; a stack that needs a missing network then fails its deploy with
// Docker's own message.
import { type Fleet, hostNetworkSpecs, swarmNetworkPlan } from "@tugboat/config";
import type { AgentClient } from "../agents/agent-client.js";
import type { AgentPool } from "../agents/agent-pool.js";
import type { SwarmApplyReport, Swarms } from "./swarms.js";

export interface PrepareDeps {
  agents: AgentPool;
  swarms: Swarms;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The agents of the enabled servers, by their Docker engine's name: the swarm node each runs on. */
async function agentsByHostname(deps: PrepareDeps, fleet: Fleet): Promise<Map<string, AgentClient>> {
  const found = new Map<string, AgentClient>();
  await Promise.all(
    fleet.servers
      .filter((server) => server.config.enabled)
      .map(async (server) => {
        const client = await deps.agents.client(server.name);
        const info = await client?.info().catch(() => undefined);
        if (client && info) found.set(info.dockerName || info.hostname, client);
      }),
  );
  return found;
}

export async function prepareNetworks(deps: PrepareDeps, fleet: Fleet, say: (line: string) => void): Promise<void> {
  for (const server of fleet.servers) {
    if (!server.config.enabled || server.config.networks.length === 0) continue;
    try {
      const client = await deps.agents.client(server.name);
      if (!client) continue;
      const { networks } = await client.applyNetworks({ networks: hostNetworkSpecs(server.config.networks) });
      for (const n of networks)
        if (n.outcome !== "exists")
          say(`${server.name}: network ${n.name} ${n.outcome}${n.detail ? `: ${n.detail}` : ""}`);
    } catch (error) {
      say(`${server.name}: its networks were not applied: ${message(error)}`);
    }
  }
  // Read once, and only when a swarm has a macvlan to configure on its nodes.
  let hostsOnce: Promise<Map<string, AgentClient>> | undefined;
  for (const swarm of fleet.swarms) {
    const report: SwarmApplyReport = { at: new Date().toISOString(), networks: [], errors: [] };
    const plan = swarmNetworkPlan(swarm.config.networks);
    const nodes = Object.entries(plan.nodes);
    if (nodes.length > 0) hostsOnce ??= agentsByHostname(deps, fleet);
    const hosts = (await hostsOnce) ?? new Map<string, AgentClient>();
    for (const [node, networks] of nodes) {
      const client = hosts.get(node);
      if (!client) {
        report.errors.push(
          `node ${node}: no enabled server's agent runs on a host of that name; its macvlan configuration was not created`,
        );
        continue;
      }
      try {
        const result = await client.applyNetworks({ networks });
        report.networks.push(...result.networks.map((n) => ({ ...n, where: node })));
      } catch (error) {
        report.errors.push(`node ${node}: ${message(error)}`);
      }
    }
    try {
      const { server, client } = await deps.swarms.manager(swarm.name);
      if (plan.manager.length > 0) {
        const result = await client.applyNetworks({ networks: plan.manager });
        report.networks.push(...result.networks.map((n) => ({ ...n, where: server })));
      }
      report.labels = await client.nodeLabels({ nodeLabels: swarm.config.node_labels });
    } catch (error) {
      report.errors.push(message(error));
    }
    for (const n of report.networks)
      if (n.outcome !== "exists")
        say(`swarm ${swarm.name}: network ${n.name} on ${n.where} ${n.outcome}${n.detail ? `: ${n.detail}` : ""}`);
    for (const node of report.labels?.nodes ?? []) {
      if (node.set.length > 0) say(`swarm ${swarm.name}: node ${node.node} labelled ${node.set.join(", ")}`);
      if (node.removed.length > 0)
        say(`swarm ${swarm.name}: node ${node.node}: removed ${node.removed.join(", ")} (no longer in Git)`);
      if (node.extra.length > 0)
        say(`swarm ${swarm.name}: node ${node.node} has labels Git does not declare: ${node.extra.join(", ")}`);
    }
    for (const node of report.labels?.unknownNodes ?? [])
      say(`swarm ${swarm.name}: no node named ${node}; its labels are not applied`);
    for (const error of report.errors) say(`swarm ${swarm.name}: ${error}`);
    deps.swarms.setReport(swarm.name, report);
  }
}
