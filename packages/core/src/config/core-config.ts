// Core's settings: a --config TOML file, overridden by TUG_* environment variables.
import { readFile } from "node:fs/promises";
import { TugError } from "@tugboat/protocol";
import { Cron } from "croner";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

const Bool = z.union([z.boolean(), z.string().transform((v) => ["1", "true", "yes"].includes(v.toLowerCase()))]);

/** A TOML list, or a comma-separated string (as an environment variable gives it). */
const CommaList = z.union([
  z.array(z.string()),
  z.string().transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ),
]);

function isCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function durationSeconds(value: number | string): number {
  if (typeof value === "number") return value;
  const unit = value.trim().slice(-1);
  const factor = UNIT_SECONDS[unit];
  return factor === undefined ? Number(value) : Number(value.trim().slice(0, -1)) * factor;
}

const UNIT_BYTES: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes: a number, or `500MB`, `1GB`, `2GiB` (powers of 1024). */
const Size = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*([kmgt]i?b?|b)?\s*$/i, "a size such as 500MB or 1GB")
      .transform((text) => {
        const [, number = "0", unit = ""] = /^\s*([\d.]+)\s*([kmgt]?)/i.exec(text) ?? [];
        return Number(number) * (UNIT_BYTES[unit.toLowerCase()] ?? 1);
      }),
  ])
  .pipe(z.number().positive());

export const CoreConfig = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(9120),
  host: z.string().default("0.0.0.0"),
  data_dir: z.string().default("./data"),
  database_url: z.string().default(""),
  sync_repo: z.string().default(""),
  sync_branch: z.string().default("main"),
  /** Empty: the repository's own [[resource_sync]] entries say where (see docs/configuration.md). */
  sync_paths: CommaList.default([]),
  sync_name: z.string().default("root"),
  sync_managed: Bool.optional(),
  poll_interval: z.coerce.number().min(5, "the poll interval is at least 5 seconds").default(60),
  status_interval: z.coerce.number().min(1).default(15),
  /** Memory (an estimate, MB) for analyses of repository files kept across syncs; 0: none kept. */
  analysis_cache_mb: z.coerce.number().min(0).default(128),
  agent_passkey: z.string().default(""),
  webhook_secret: z.string().default(""),
  init_admin_username: z.string().default(""),
  init_admin_password: z.string().default(""),
  deploy_parallel_per_host: z.coerce.number().int().min(1).default(4),
  /** Retention of full-resolution metrics, then 5-minute and hourly rollups. */
  metrics_raw_hours: z.coerce.number().positive().default(24),
  metrics_5m_days: z.coerce.number().positive().default(30),
  metrics_1h_days: z.coerce.number().positive().default(365),
  /** Waits between alert delivery attempts, in seconds; one more attempt than waits. */
  alert_retry_seconds: z
    .union([z.array(z.number()), z.string().transform((v) => v.split(",").map((s) => Number(s.trim())))])
    .pipe(z.array(z.number().nonnegative()))
    .default([5, 30, 120, 600, 1800]),
  /** The zone of maintenance windows that name none ("": the machine's). */
  timezone: z.string().default(""),
  /** The built web UI ("": packages/web/dist next to core). */
  ui_dir: z.string().default(""),
  /** A session's absolute lifetime. */
  session_hours: z.coerce
    .number()
    .positive()
    .default(24 * 7),
  /** A session unused this long ends. */
  session_idle_minutes: z.coerce
    .number()
    .positive()
    .default(12 * 60),
  /** Core's URL as browsers reach it (behind a proxy); "": from the request. OIDC's redirect URI is under it. */
  public_url: z
    .string()
    .default("")
    .refine((v) => v === "" || /^https?:\/\/[^/]+(\/.*)?$/.test(v), "must be an http(s) URL")
    .transform((v) => v.replace(/\/+$/, "")),
  /** OIDC login: the provider's issuer URL ("": no OIDC). */
  oidc_issuer: z.string().default(""),
  oidc_client_id: z.string().default(""),
  oidc_client_secret: z.string().default(""),
  oidc_scopes: z.string().default("openid profile email groups"),
  /** The provider's name on the login button. */
  oidc_name: z.string().default("OIDC"),
  oidc_groups_claim: z.string().default("groups"),
  /** Group → role: `ops=operator,admins=admin`. */
  oidc_role_map: z.string().default(""),
  /** The role of an OIDC user in no mapped group; "": such users are refused. */
  oidc_default_role: z.enum(["", "admin", "operator", "viewer", "user"]).default(""),
  /** Only OIDC logins, except the break-glass admin's password. */
  oidc_only: Bool.default(false),
  /** The local admin who may still log in with a password when oidc_only is set ("": TUG_INIT_ADMIN_USERNAME). */
  break_glass_user: z.string().default(""),
  /** Audit rows older than this many days are deleted. */
  audit_retention_days: z.coerce.number().positive().default(365),
  /** How long a client may take to send a whole request (headers and body), in seconds. */
  request_timeout_seconds: z.coerce.number().positive().default(30),
  /** Core's key (HMACs of secret values, secrets sealed in the database); "": <data_dir>/core.key. */
  key_file: z.string().default(""),
  /**
   * Which syncs may use which TUG_SECRET_* values: `NAME=sync1,sync2;OTHER=root`. A secret not
   * listed is available to every sync.
   */
  secret_scopes: z.string().default(""),
  /** Seconds between fleet image checks (`6h`, `30m` and `90s` also read); 0: only "check now". */
  image_check_interval: z
    .union([z.number(), z.string().regex(/^\d+(\.\d+)?\s*[smhd]?$/, "a number of seconds, or like 6h, 30m")])
    .transform((v) => durationSeconds(v))
    .pipe(z.number().nonnegative())
    .default(6 * 3600),
  /** Registries image checks reach over plain HTTP (besides loopback), comma-separated `host:port`s. */
  insecure_registries: CommaList.default([]),
  /** Collect the containers' logs from the agents (search, tails, pattern alerts). */
  logs: Bool.default(true),
  /** Log lines older than this many days are deleted. */
  log_retention_days: z.coerce.number().positive().default(7),
  /** The log store is kept under this size: the oldest lines go first. */
  log_max_bytes: Size.default(1024 ** 3),
  /** When core backs itself up: cron syntax (in `timezone`, else UTC); "off": only on demand and before migrations. */
  backup_schedule: z
    .string()
    .default("0 3 * * *")
    .refine((v) => v === "off" || isCron(v), "a cron schedule such as `0 3 * * *`, or off"),
  /** Where backups go ("": <data_dir>/backups). Put it on another disk, or copy it off the host. */
  backup_dir: z.string().default(""),
  /** GFS retention: the newest backup of this many days, ISO weeks and months is kept. */
  backup_keep_daily: z.coerce.number().int().min(0).default(7),
  backup_keep_weekly: z.coerce.number().int().min(0).default(4),
  backup_keep_monthly: z.coerce.number().int().min(0).default(3),
  /** An age recipient (age1…): backups are encrypted to it ("": not encrypted). */
  backup_age_recipient: z
    .string()
    .default("")
    .refine((v) => v === "" || /^age1[0-9a-z]{58}$/.test(v), "an age X25519 recipient (age1… , 62 characters)"),
  /** The agent build core offers for upgrades and installs ("": packages/agent/bundle/tugboat-agent.mjs). */
  agent_build: z.string().default(""),
  /** The agent link's port, where outbound agents dial core (wss://core:PORT/agent/link); 0: no link. */
  agent_link_port: z.coerce.number().int().min(0).max(65535).default(0),
  /** Its address ("": host). */
  agent_link_host: z.string().default(""),
  /** Its certificate and key (PEM files); "": a self-signed one core keeps in <data_dir>/agent-link. */
  agent_link_cert: z.string().default(""),
  agent_link_key: z.string().default(""),
  /** Plain WebSocket, for a proxy in front that terminates TLS (agents then verify the proxy's certificate). */
  agent_link_plain: Bool.default(false),
  /** Seconds between core's pings on each link; a link silent for two is cut (and the agent redials after three). */
  agent_link_heartbeat_seconds: z.coerce.number().int().min(1).max(300).default(15),
  /** Alerters may post to loopback and private addresses (a LAN ntfy, say); off: only public ones. */
  alerter_allow_private: Bool.default(false),
});
export type CoreConfig = z.output<typeof CoreConfig> & {
  /** Secret variable values held by core: TUG_SECRET_<NAME>=value. */
  secrets: Record<string, string>;
  /** From secret_scopes: secret name → the syncs that may use it (unlisted: every sync). */
  secretScopes: ReadonlyMap<string, readonly string[]>;
};

export async function loadCoreConfig(options: {
  env?: NodeJS.ProcessEnv;
  configFile?: string;
  overrides?: Record<string, unknown>;
}): Promise<CoreConfig> {
  const env = options.env ?? process.env;
  let fromFile: Record<string, unknown> = {};
  if (options.configFile) {
    const text = await readFile(options.configFile, "utf8").catch((error: Error) => {
      throw new TugError("E_INVALID_REQUEST", `cannot read core config ${options.configFile}: ${error.message}`);
    });
    try {
      fromFile = parseToml(text);
    } catch (error) {
      throw new TugError("E_INVALID_REQUEST", `${options.configFile}: ${(error as Error).message}`);
    }
  }
  const fromEnv: Record<string, string> = {};
  for (const key of Object.keys(CoreConfig.shape)) {
    const value = env[`TUG_${key.toUpperCase()}`];
    if (value !== undefined && value !== "") fromEnv[key] = value;
  }
  const parsed = CoreConfig.safeParse({ ...fromFile, ...fromEnv, ...options.overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TugError(
      "E_INVALID_REQUEST",
      `core config: TUG_${issue?.path.join(".").toUpperCase()} ${issue?.message}`,
    );
  }
  const scopes = parseSecretScopes(parsed.data.secret_scopes);
  const secrets = Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      name.startsWith("TUG_SECRET_") && name !== "TUG_SECRET_SCOPES" && value ? [[name.slice(11), value]] : [],
    ),
  );
  for (const name of scopes.keys())
    if (!(name in secrets))
      throw new TugError(
        "E_INVALID_REQUEST",
        `core config: TUG_SECRET_SCOPES names ${name}, but TUG_SECRET_${name} is not set`,
      );
  return { ...parsed.data, secrets, secretScopes: scopes };
}

/** `NAME=sync1,sync2;OTHER=root` → name → the syncs that may use it. */
function parseSecretScopes(text: string): Map<string, string[]> {
  const scopes = new Map<string, string[]>();
  for (const part of text
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, syncs] = part.split("=");
    const list = (syncs ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (!name || list.length === 0)
      throw new TugError(
        "E_INVALID_REQUEST",
        `core config: TUG_SECRET_SCOPES entry "${part}" is not NAME=sync[,sync…]`,
      );
    scopes.set(name.trim(), list);
  }
  return scopes;
}

/** The core-held secrets one sync may use. */
export function secretsFor(config: CoreConfig, sync: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.secrets).filter(([name]) => config.secretScopes.get(name)?.includes(sync) ?? true),
  );
}
