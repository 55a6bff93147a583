import { describe, expect, it } from "vitest";
import { SwarmNetwork } from "../resources/networks.js";
import { swarmNetworkPlan } from "./network-plan.js";

describe("swarmNetworkPlan", () => {
  it("creates an overlay on a manager, and a macvlan as per-node configurations then one swarm network from them", () => {
    const plan = swarmNetworkPlan([
      SwarmNetwork.parse({ name: "proxy_traefik", subnet: "172.20.20.0/24", attachable: true }),
      SwarmNetwork.parse({
        name: "macvlan_01",
        driver: "macvlan",
        parent: "eth0",
        subnet: "192.168.0.0/24",
        nodes: { "pi-1": { ip_range: "192.168.0.252/30" }, "pi-2": { parent: "enp3s0", subnet: "192.168.1.0/24" } },
      }),
    ]);
    expect(plan.manager).toEqual([
      expect.objectContaining({ name: "proxy_traefik", driver: "overlay", subnet: "172.20.20.0/24", attachable: true }),
      { name: "macvlan_01", driver: "macvlan", scope: "swarm", configFrom: "macvlan_01-config", attachable: false },
    ]);
    expect(plan.nodes).toEqual({
      "pi-1": [
        {
          name: "macvlan_01-config",
          driver: "null",
          configOnly: true,
          parent: "eth0",
          subnet: "192.168.0.0/24",
          gateway: "",
          ipRange: "192.168.0.252/30",
        },
      ],
      "pi-2": [
        {
          name: "macvlan_01-config",
          driver: "null",
          configOnly: true,
          parent: "enp3s0",
          subnet: "192.168.1.0/24",
          gateway: "",
          ipRange: "",
        },
      ],
    });
  });
});
