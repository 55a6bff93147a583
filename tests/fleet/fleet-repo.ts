// The acceptance fleet, shaped like our users' notes: 7 servers in 3 regions
// (3 reachable), 32 stacks in applications / infrastructure / monitoring,
// per-host environment for stacks deployed to every host, `after` across
// hosts, one config file bind-mounted by stacks on three hosts, and two slow
// stacks (a healthcheck that takes a few seconds) for the crash scenarios.
import type { GitRepo } from "@tugboat/testkit";

export const REACHABLE = ["atlantis", "calypso", "concord"] as const;
/** The edge host's agent dials core (connection = "outbound") in every scenario; the others are dialled. */
export const OUTBOUND = "concord";
export const UNREACHABLE = ["setillo", "pi-5", "contabo", "seattle"] as const;
const REGION: Record<string, string> = {
  atlantis: "home",
  calypso: "home",
  setillo: "home",
  concord: "edge",
  "pi-5": "edge",
  contabo: "cloud",
  seattle: "cloud",
};
const TZ: Record<string, string> = { home: "America/Los_Angeles", edge: "America/Chicago", cloud: "Europe/Berlin" };

export interface FleetStack {
  name: string;
  server: string;
  category: "applications" | "infrastructure" | "monitoring";
  /** Folder under stacks/ (shared by per-host copies). */
  dir: string;
  after?: string[];
  environment?: string[];
}

const on = (server: string, category: FleetStack["category"], names: string[]): FleetStack[] =>
  names.map((name) => ({ name, server, category, dir: `${category}/${name}` }));

export const SHARED_FILE = "config/shared/ca.pem";
/** Stacks on three hosts that bind-mount SHARED_FILE. */
export const MOUNTS_SHARED = ["nextcloud", "gitea", "grafana"];
/** The stack with self_heal on: the drift-and-heal scenario removes its container. */
export const SELF_HEALING = "syncthing";
/** Stacks whose healthcheck takes seconds: long enough to crash something mid-deploy. */
export const SLOW = ["backup", "scrutiny"];

export function fleetStacks(): FleetStack[] {
  const perHost = REACHABLE.flatMap((host): FleetStack[] => [
    { name: `node-exporter-${host}`, server: host, category: "monitoring", dir: "monitoring/node-exporter" },
    { name: `dozzle-agent-${host}`, server: host, category: "infrastructure", dir: "infrastructure/dozzle-agent" },
  ]);
  const stacks = [
    ...on("atlantis", "applications", [
      "immich",
      "paperless",
      "nextcloud",
      "jellyfin",
      "vaultwarden",
      "mealie",
      "audiobookshelf",
      "freshrss",
      "linkding",
    ]),
    ...on("calypso", "infrastructure", ["adguard", "nginx-proxy-manager", "gitea", "authentik", "syncthing", "backup"]),
    ...on("concord", "monitoring", [
      "prometheus",
      "grafana",
      "alertmanager",
      "uptime-kuma",
      "loki",
      "ntfy",
      "scrutiny",
    ]),
    ...on("concord", "applications", ["homepage", "stirling-pdf"]),
    ...on("setillo", "monitoring", ["uptime-kuma-setillo"]),
    ...on("contabo", "applications", ["wireguard-contabo"]),
    ...perHost,
  ];
  for (const stack of stacks) {
    if (stack.name === "grafana") stack.after = ["prometheus"];
    // Across hosts: immich (atlantis) waits for authentik (calypso).
    if (stack.name === "immich") stack.after = ["authentik"];
    const region = REGION[stack.server] ?? "home";
    stack.environment = [`HOST_LABEL=${stack.server}`, `TZ=${TZ[region]}`];
  }
  return stacks;
}

/** A compose file whose healthcheck never passes (`healthy = false`): the rollback scenario pushes it. */
export function compose(stack: FleetStack, options: { healthy?: boolean } = {}): string {
  if (options.healthy === false)
    return `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    restart: unless-stopped
    environment:
      RELEASE: broken
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1
`;
  const slow = SLOW.includes(stack.name);
  const shared = MOUNTS_SHARED.includes(stack.name)
    ? `\n    volumes:\n      - ../../../${SHARED_FILE}:/etc/ssl/tug-ca.pem:ro`
    : "";
  const command = slow ? `["sh", "-c", "sleep 4; touch /tmp/ready; exec sleep 2147483647"]` : `["sleep", "2147483647"]`;
  const health = slow
    ? `\n    healthcheck:\n      test: ["CMD", "test", "-f", "/tmp/ready"]\n      interval: 1s\n      retries: 30`
    : "";
  return `services:
  app:
    image: local/busybox:1
    init: true
    command: ${command}
    restart: unless-stopped
    environment:
      HOST_LABEL: \${HOST_LABEL}
      TZ: \${TZ}
      BUILD: \${BUILD:-0}${shared}${health}
`;
}

export function stacksToml(
  stacks: FleetStack[],
  project: (name: string) => string,
  extra: Record<string, string> = {},
) {
  return stacks
    .map((s) => {
      const env = [...(s.environment ?? []), ...(extra[s.name] ? [extra[s.name]] : [])].join("\n");
      return `[[stack]]
name = "${s.name}"
tags = ["${s.category}"]
${s.after ? `after = [${s.after.map((a) => `"${a}"`).join(", ")}]\n` : ""}[stack.config]
server = "${s.server}"
project_name = "${project(s.name)}"${s.name === SELF_HEALING ? "\nself_heal = true" : ""}
run_directory = "stacks/${s.dir}"
environment = """
${env}
"""
`;
    })
    .join("\n");
}

/** Where an agent listens, and the certificate fingerprint it printed ("" for a host that is down); the outbound host has neither. */
export interface AgentEndpoint {
  address: string;
  fingerprint: string;
}

const connection = (name: string, addresses: Record<string, AgentEndpoint>) =>
  name === OUTBOUND
    ? 'connection = "outbound"'
    : `address = "${addresses[name]?.address}"\nfingerprint = "${addresses[name]?.fingerprint}"`;

export function serversToml(addresses: Record<string, AgentEndpoint>): string {
  return Object.keys(REGION)
    .map(
      (name) => `[[server]]
name = "${name}"
tags = ["${REGION[name] === "cloud" ? "vps" : "homelab"}"]
[server.config]
${connection(name, addresses)}
region = "${REGION[name]}"
enabled = true
# The test machine's own disk and memory: thresholds out of the way of these scenarios.
send_disk_alerts = false
send_mem_alerts = false
send_cpu_alerts = false
`,
    )
    .join("\n");
}

export async function writeFleet(
  repo: GitRepo,
  options: { addresses: Record<string, AgentEndpoint>; project: (name: string) => string },
): Promise<FleetStack[]> {
  const stacks = fleetStacks();
  await repo.write("syncs/servers.toml", serversToml(options.addresses));
  await repo.write("syncs/stacks.toml", stacksToml(stacks, options.project));
  const dirs = new Map(stacks.map((s) => [s.dir, s]));
  for (const [dir, stack] of dirs) await repo.write(`stacks/${dir}/compose.yaml`, compose(stack));
  await repo.write(SHARED_FILE, "-----BEGIN CERTIFICATE-----\nversion 1\n-----END CERTIFICATE-----\n");
  await repo.commitAndPush("the fleet");
  return stacks;
}
