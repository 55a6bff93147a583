// The agent's settings: from /etc/tugboat/agent.toml (or --config), then
// environment variables, then flags, each overriding the one before.
import { readFile } from "node:fs/promises";
import { TugError } from "@tugboat/protocol";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

export const DEFAULT_CONFIG_FILE = "/etc/tugboat/agent.toml";

export const AgentConfig = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8120),
  host: z.string().default("0.0.0.0"),
  root: z.string().default("/var/lib/tugboat-agent"),
  passkey: z.string().default(""),
  passkey_file: z.string().default(""),
  allowed_ips: z
    .union([z.array(z.string()), z.string()])
    .transform((v) =>
      typeof v === "string"
        ? v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    )
    .default([]),
  insecure_http: z.union([z.boolean(), z.string().transform((v) => v === "true" || v === "1")]).default(false),
  docker_host: z.string().default(""),
  stats_interval_seconds: z.coerce.number().positive().default(5),
  /** Log lines held for core at most (then followers pause until core catches up), and their size in MiB. */
  log_buffer_lines: z.coerce.number().int().min(100).max(1_000_000).default(20_000),
  log_buffer_mb: z.coerce.number().min(1).max(1024).default(8),
  /** Outbound mode: core's agent-link URL (wss://core:9121); the agent dials it and listens on no port. */
  core_url: z.string().default(""),
  /** The token `tug server enroll` printed (or `token_file`). */
  token: z.string().default(""),
  token_file: z.string().default(""),
  /** The fingerprint of core's link certificate (`tug server enroll` prints it), or `core_ca`. */
  core_fingerprint: z.string().default(""),
  /** A PEM file of the CA that signs core's certificate ("" and no fingerprint: the system's CAs). */
  core_ca: z.string().default(""),
  /** `[secrets]` of agent.toml: values for `[[NAME]]`s core does not hold (kept on this host, masked in every report). */
  secrets: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string()).default({}),
});
export type AgentConfig = z.output<typeof AgentConfig> & {
  passkey: string;
  /** The PEM that core_ca names, read. */
  coreCaPem?: string;
};

const ENV: Record<string, keyof z.input<typeof AgentConfig>> = {
  TUG_AGENT_PORT: "port",
  TUG_AGENT_HOST: "host",
  TUG_AGENT_ROOT: "root",
  TUG_AGENT_PASSKEY: "passkey",
  TUG_AGENT_PASSKEY_FILE: "passkey_file",
  TUG_AGENT_ALLOWED_IPS: "allowed_ips",
  TUG_AGENT_INSECURE_HTTP: "insecure_http",
  TUG_AGENT_CORE_URL: "core_url",
  TUG_AGENT_TOKEN: "token",
  TUG_AGENT_TOKEN_FILE: "token_file",
  TUG_AGENT_CORE_FINGERPRINT: "core_fingerprint",
  TUG_AGENT_CORE_CA: "core_ca",
  DOCKER_HOST: "docker_host",
};

export async function loadAgentConfig(options: {
  flags?: Partial<Record<keyof z.input<typeof AgentConfig>, unknown>>;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
}): Promise<AgentConfig> {
  const env = options.env ?? process.env;
  const file = options.configFile ?? DEFAULT_CONFIG_FILE;
  let fromFile: Record<string, unknown> = {};
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" && !options.configFile) return undefined;
    throw new TugError("E_INVALID_REQUEST", `cannot read agent config ${file}: ${error.message}`);
  });
  if (text !== undefined) {
    try {
      fromFile = parseToml(text);
    } catch (error) {
      throw new TugError("E_INVALID_REQUEST", `${file}: ${(error as Error).message}`);
    }
  }
  const fromEnv = Object.fromEntries(
    Object.entries(ENV).flatMap(([name, key]) =>
      env[name] !== undefined && env[name] !== "" ? [[key, env[name]]] : [],
    ),
  );
  const flags = Object.fromEntries(Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined));
  const parsed = AgentConfig.safeParse({ ...fromFile, ...fromEnv, ...flags });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TugError("E_INVALID_REQUEST", `agent config: ${issue?.path.join(".")} ${issue?.message}`);
  }
  const config = parsed.data;
  const readSetting = async (what: string, path: string, hint = "") =>
    (
      await readFile(path, "utf8").catch((error: Error) => {
        throw new TugError("E_INVALID_REQUEST", `cannot read ${what} ${path}: ${error.message}${hint}`);
      })
    ).trim();
  if (config.core_url) {
    // Outbound: the link is authenticated both ways (core's certificate, the agent's token); no passkey.
    const token =
      config.token ||
      (config.token_file
        ? await readSetting(
            "token file",
            config.token_file,
            "; put there the token `tug server enroll NAME` printed on core",
          )
        : "");
    if (!token)
      throw new TugError(
        "E_INVALID_REQUEST",
        "core_url is set but no token: run `tug server enroll NAME` on core and give its token (TUG_AGENT_TOKEN, token_file or --token-file)",
      );
    if (!/^wss:\/\//.test(config.core_url))
      throw new TugError(
        "E_INVALID_REQUEST",
        `core_url ${config.core_url} must start with wss:// (the link is always TLS)`,
      );
    const coreCaPem = config.core_ca ? await readSetting("core CA", config.core_ca) : "";
    return { ...config, token, passkey: config.passkey, coreCaPem };
  }
  let passkey = config.passkey;
  if (!passkey && config.passkey_file) passkey = await readSetting("passkey file", config.passkey_file);
  if (!passkey) {
    throw new TugError(
      "E_INVALID_REQUEST",
      "no passkey configured: set TUG_AGENT_PASSKEY, passkey_file in the agent config, or --passkey-file; the agent refuses to run without one (or dial core with core_url and a token)",
    );
  }
  return { ...config, passkey, coreCaPem: "" };
}
