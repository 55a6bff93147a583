// `tug agent install`: the systemd unit and agent.toml for this host. The
// passkey goes to its own file (mode 0600) and is never printed.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Node flags the unit runs the agent with. A 1 MB young-generation semi-space
 * keeps an idle agent's resident memory about 10 MB lower, at the cost of more
 * (cheap) scavenges. --lite-mode drops V8's optimizing compiler and its code
 * caches, about 8 MB more: the agent spends its time waiting on dockerd and
 * Compose, not running hot JavaScript. Lite mode has no WebAssembly, so no
 * global fetch (undici needs it): the agent speaks node:http only, and the
 * fleet suite runs its agents with these flags to keep it so.
 * --no-expose-wasm says so explicitly, which also silences V8's warning.
 */
export const AGENT_NODE_FLAGS = ["--max-semi-space-size=1", "--lite-mode", "--no-expose-wasm"] as const;

export interface InstallOptions {
  /** The node binary and the tug script, e.g. ["/usr/bin/node", "/opt/tugboat/packages/cli/bin/tug.js"]. */
  command: readonly [string, string];
  configDir: string;
  unitDir: string;
  root: string;
  port: number;
  /** Outbound: the agent dials core's link (and the fingerprint of its certificate) instead of listening. */
  outbound?: { coreUrl: string; fingerprint: string };
}

export interface InstallFiles {
  unitPath: string;
  unit: string;
  configPath: string;
  config: string;
  passkeyPath: string;
  /** Outbound: where the enrolment token goes (written by the operator, never by install). */
  tokenPath?: string;
}

export function installFiles(options: InstallOptions): InstallFiles {
  const configPath = join(options.configDir, "agent.toml");
  const passkeyPath = join(options.configDir, "agent.passkey");
  const [node, script] = options.command;
  const exec = [node, ...AGENT_NODE_FLAGS, script, "agent", "--config", configPath]
    .map((a) => (/\s/.test(a) ? `"${a}"` : a))
    .join(" ");
  const unit = `[Unit]
Description=Tugboat agent: runs stacks on this Docker host for tug core
Documentation=https://github.com/tugboat/tugboat/blob/main/docs/agent.md
Wants=network-online.target docker.service
After=network-online.target docker.service

[Service]
ExecStart=${exec}
Restart=always
RestartSec=5
# Stacks and their checkouts live under the agent's root.
StateDirectory=${options.root.startsWith("/var/lib/") ? options.root.slice("/var/lib/".length) : "tugboat-agent"}

[Install]
WantedBy=multi-user.target
`;
  const tokenPath = join(options.configDir, "agent.token");
  const outbound = options.outbound;
  const config = outbound
    ? `# tug agent configuration. Environment variables (TUG_AGENT_*) and flags override it.
# Outbound: the agent dials core's agent link and listens on no port.
root = "${options.root}"
core_url = "${outbound.coreUrl}"
# The token \`tug server enroll NAME\` printed on core; keep the file mode 0600.
token_file = "${tokenPath}"
${outbound.fingerprint ? `core_fingerprint = "${outbound.fingerprint}"` : "# core_ca = \"/etc/tugboat/core-ca.pem\"   # without a fingerprint: the CA of core's certificate (default: the system's)"}
`
    : `# tug agent configuration. Environment variables (TUG_AGENT_*) and flags override it.
port = ${options.port}
host = "0.0.0.0"
root = "${options.root}"
# The passkey core sends as "Authorization: Bearer …"; keep the file mode 0600.
passkey_file = "${passkeyPath}"
# Only these addresses may call the agent (empty: any). Example: ["10.2.0.70"]
allowed_ips = []
`;
  const unitPath = join(options.unitDir, "tugboat-agent.service");
  return { unitPath, unit, configPath, config, passkeyPath, ...(outbound ? { tokenPath } : {}) };
}

/** Writes the unit, the config and (when missing, for an inbound agent) a new random passkey file. */
export async function writeInstallFiles(files: InstallFiles): Promise<{ passkeyCreated: boolean }> {
  for (const path of [files.unitPath, files.configPath]) await mkdir(join(path, ".."), { recursive: true });
  await writeFile(files.unitPath, files.unit);
  await writeFile(files.configPath, files.config);
  if (files.tokenPath) return { passkeyCreated: false };
  let passkeyCreated = false;
  if (!existsSync(files.passkeyPath)) {
    await writeFile(files.passkeyPath, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
    passkeyCreated = true;
  }
  await chmod(files.passkeyPath, 0o600);
  return { passkeyCreated };
}
