// A real multi-node Docker Swarm for tests: one private dockerd per node, each
// in its own network namespace and with its own hostname, joined by veths to a
// bridge the test creates, on addresses only those namespaces use. The first
// node is the manager. Each node's watchdog removes its daemon and namespace
// if the test run dies; the bridge holds an address in the manager slot's pool,
// so that slot's cleanup removes it too.

import { type PrivateDockerd, poolPrefix, startDockerd } from "./dockerd.js";
import { docker, run } from "./exec.js";
import { ensureImage } from "./image.js";

export interface SwarmNode {
  hostname: string;
  /** The node's address on the swarm bridge (its advertise address). */
  address: string;
  daemon: PrivateDockerd;
  dockerHost: string;
}

export interface TestSwarm {
  /** The first is the manager. */
  nodes: SwarmNode[];
  manager: SwarmNode;
  /** The bridge's own address: the machine as the nodes see it. */
  gateway: string;
  node(hostname: string): SwarmNode;
  stop(): Promise<void>;
}

/** Starts one node per hostname, inits the swarm on the first and joins the others as workers. */
export async function startSwarm(hostnames: readonly string[]): Promise<TestSwarm> {
  const daemons: PrivateDockerd[] = [];
  let bridge = "";
  const stop = async () => {
    // Workers first: the manager's cleanup removes the bridge.
    for (const daemon of [...daemons].reverse()) await daemon.stop();
    if (bridge) await run(["ip", "link", "delete", bridge], { allowFailure: true });
  };
  try {
    for (const hostname of hostnames) daemons.push(await startDockerd({ hostname }));
    const [first] = daemons;
    if (!first) throw new Error("a swarm needs at least one node");
    const subnet = `${poolPrefix(first.slot)}250`;
    const gateway = `${subnet}.1`;
    bridge = `tugbr-${first.slot}`;
    await run(["ip", "link", "add", bridge, "type", "bridge"]);
    await run(["ip", "addr", "add", `${gateway}/24`, "dev", bridge]);
    await run(["ip", "link", "set", bridge, "up"]);
    const nodes: SwarmNode[] = [];
    for (const [index, daemon] of daemons.entries()) {
      const netns = daemon.netns ?? "";
      const address = `${subnet}.${10 + index}`;
      const veth = `tugv-${daemon.slot}`;
      // No default route: a node reaches only the other nodes and the machine's bridge
      // address, so a registry lookup for a local image fails at once instead of timing out.
      await run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      await run(["ip", "link", "set", veth, "master", bridge, "up"]);
      await run(["ip", "-n", netns, "addr", "add", `${address}/24`, "dev", "eth0"]);
      await run(["ip", "-n", netns, "link", "set", "eth0", "up"]);
      nodes.push({ hostname: hostnames[index] ?? "", address, daemon, dockerHost: daemon.dockerHost });
    }
    const [manager, ...workers] = nodes as [SwarmNode, ...SwarmNode[]];
    await docker(manager.dockerHost, ["swarm", "init", "--advertise-addr", manager.address]);
    const token = (await docker(manager.dockerHost, ["swarm", "join-token", "-q", "worker"])).stdout.trim();
    for (const worker of workers)
      await docker(worker.dockerHost, [
        "swarm",
        "join",
        "--advertise-addr",
        worker.address,
        "--token",
        token,
        `${manager.address}:2377`,
      ]);
    await Promise.all(nodes.map((node) => ensureImage(node.dockerHost)));
    return {
      nodes,
      manager,
      gateway,
      node(hostname) {
        const found = nodes.find((n) => n.hostname === hostname);
        if (!found) throw new Error(`no swarm node ${hostname}`);
        return found;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
