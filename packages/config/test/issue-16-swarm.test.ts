// Issue 16: `[[swarm]]` with Komodo's fields and Tugboat's node labels and
// networks; a stack with `swarm = …` deploys to it through its first manager.
import { describe, expect, it } from "vitest";
import { loadFiles, repo } from "./fixture.js";

// Seed 002's cluster: three nodes, a role label, the overlay network created
// outside the stacks, a macvlan on one node for Pi-hole, one .env for all.
const CLUSTER = `
[[server]]
name = "swarm-manager"
[server.config]
address = "https://10.0.0.10:8120"
enabled = true

[[server]]
name = "epic-media-server"
[server.config]
address = "https://10.0.0.11:8120"
enabled = true

[[swarm]]
name = "home"
[swarm.config]
server_ids = ["swarm-manager"]
links = ["https://traefik.home.example"]
node_labels = { "epic-media-server" = ["media"], "swarm-manager" = { tier = "core" } }

[[swarm.config.networks]]
name = "proxy_traefik"
driver = "overlay"
subnet = "172.20.20.0/24"
attachable = true

[[swarm.config.networks]]
name = "macvlan_01"
driver = "macvlan"
nodes = { "pihole-node" = { parent = "eth0", subnet = "192.168.0.252/30" } }

[[stack]]
name = "media"
[stack.config]
swarm = "home"
file_paths = ["media.docker-compose.yml"]
`;

const MEDIA = `services:
  jellyfin:
    image: jellyfin/jellyfin:10.9.11
    networks: [proxy_traefik]
    deploy:
      placement:
        constraints: [node.labels.media == true]
networks:
  proxy_traefik:
    external: true
`;

describe("[[swarm]]", () => {
  it("reads seed 002's cluster: managers, labels (a bare name is true), networks; the stack deploys through the manager", async () => {
    const { errors, warnings, fleet } = await loadFiles(
      repo({ "syncs/fleet.toml": CLUSTER, "media.docker-compose.yml": MEDIA }),
    );
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.code)).not.toContain("W_UNSUPPORTED");
    const [swarm] = fleet.swarms;
    expect(swarm?.config.servers).toEqual(["swarm-manager"]);
    expect(swarm?.config.send_unhealthy_alerts).toBe(true);
    expect(swarm?.config.node_labels).toEqual({
      "epic-media-server": { media: "true" },
      "swarm-manager": { tier: "core" },
    });
    expect(swarm?.config.networks.map((n) => [n.name, n.driver, n.subnet, n.attachable])).toEqual([
      ["proxy_traefik", "overlay", "172.20.20.0/24", true],
      ["macvlan_01", "macvlan", "", false],
    ]);
    const stack = fleet.stacks[0];
    expect(stack?.swarm).toBe("home");
    expect(stack?.server).toBe("swarm-manager");
  });

  it("names file, line and field for an unknown manager and an unknown swarm", async () => {
    const bad = CLUSTER.replace('server_ids = ["swarm-manager"]', 'servers = ["swarm-manger"]').replace(
      'swarm = "home"',
      'swarm = "hom"',
    );
    const { errors } = await loadFiles(repo({ "syncs/fleet.toml": bad, "media.docker-compose.yml": MEDIA }));
    const line = (text: string) => bad.split("\n").findIndex((l) => l.includes(text)) + 1;
    expect(errors.map((e) => `${e.code} ${e.file}:${e.line} ${e.message}`)).toEqual([
      `E_UNKNOWN_SERVER syncs/fleet.toml:${line("swarm-manger")} swarm "home": unknown server "swarm-manger" (did you mean "swarm-manager"?)`,
      `E_UNKNOWN_SWARM syncs/fleet.toml:${line('swarm = "hom"')} stack "media": unknown swarm "hom" (did you mean "home"?)`,
    ]);
  });

  it("names file, line and field of a bad network, and reads nothing of that swarm", async () => {
    const bad = CLUSTER.replace(
      'subnet = "172.20.20.0/24"',
      'subnet = "172.20.20.0/24"\ngateway = "172.20.21.1"',
    ).replace(
      'nodes = { "pihole-node" = { parent = "eth0", subnet = "192.168.0.252/30" } }',
      'nodes = { "pihole-node" = { subnet = "192.168.0.252/30" } }',
    );
    const { errors, fleet } = await loadFiles(repo({ "syncs/fleet.toml": bad, "media.docker-compose.yml": MEDIA }));
    const line = (text: string) => bad.split("\n").findIndex((l) => l.includes(text)) + 1;
    expect(errors.map((e) => `${e.file}:${e.line} ${e.message}`)).toEqual([
      `syncs/fleet.toml:${line("gateway =")} swarm "home": config.networks.0.gateway gateway 172.20.21.1 is not in subnet 172.20.20.0/24`,
      `syncs/fleet.toml:${line("pihole-node")} swarm "home": config.networks.1.nodes.pihole-node.parent node "pihole-node" needs a parent interface (or set parent for all)`,
      `syncs/fleet.toml:${line('swarm = "home"')} stack "media": unknown swarm "home"`,
    ]);
    expect(fleet.swarms).toEqual([]);
  });

  it("a server's own networks: a macvlan needs its parent and subnet", async () => {
    const { errors, fleet } = await loadFiles(
      repo({
        "syncs/fleet.toml": `
[[server]]
name = "pi"
[server.config]
address = "https://10.0.0.12:8120"
enabled = true
networks = [
  { name = "proxy", subnet = "172.30.0.0/24" },
  { name = "lan", driver = "macvlan", parent = "eth0", subnet = "192.168.0.248/30", ip_range = "192.168.0.250/31" },
]

[[server]]
name = "pi2"
[server.config]
address = "https://10.0.0.13:8120"
networks = [{ name = "lan", driver = "macvlan", subnet = "192.168.0.244/30" }]
`,
      }),
    );
    expect(fleet.servers[0]?.config.networks.map((n) => n.name)).toEqual(["proxy", "lan"]);
    expect(errors.map((e) => [e.line, e.message])).toEqual([[16, expect.stringMatching(/parent interface/)]]);
  });
});
