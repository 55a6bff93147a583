import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { docker, run, sharedDaemons, startSwarm } from "../src/index.js";

const daemons = sharedDaemons();

describe.skipIf(daemons.skipReason !== "")("startSwarm", () => {
  it("builds a 3-node swarm of separate network namespaces and removes all of it", async () => {
    const swarm = await startSwarm(["tb-manager", "tb-media", "tb-edge"]);
    let netns: string[] = [];
    let bridge = "";
    try {
      netns = swarm.nodes.map((n) => n.daemon.netns ?? "");
      bridge = `tugbr-${swarm.manager.daemon.slot}`;
      const nodes = await docker(swarm.manager.dockerHost, [
        "node",
        "ls",
        "--format",
        "{{.Hostname}} {{.Status}} {{.ManagerStatus}}",
      ]);
      expect(
        nodes.stdout
          .trim()
          .split("\n")
          .map((line) => line.trim())
          .sort(),
      ).toEqual(["tb-edge Ready", "tb-manager Ready Leader", "tb-media Ready"]);
      // Each node is its own host on the network: its address lives in its namespace only.
      const machine = (await run(["ip", "-o", "-4", "addr", "show"])).stdout;
      for (const node of swarm.nodes) expect(machine).not.toContain(`${node.address}/`);
      const inside = await run(["ip", "-n", netns[1] ?? "", "-o", "-4", "addr", "show", "dev", "eth0"]);
      expect(inside.stdout).toContain(`${swarm.node("tb-media").address}/24`);
    } finally {
      await swarm.stop();
    }
    for (const name of netns) expect(existsSync(`/run/netns/${name}`)).toBe(false);
    const links = await run(["ip", "link", "show", bridge], { allowFailure: true });
    expect(links.exitCode).not.toBe(0);
  });
});
