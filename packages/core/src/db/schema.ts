// The tables core keeps, as Kysely types. Same columns in SQLite and
// PostgreSQL: text timestamps (ISO 8601), integer booleans, JSON as text.
import type { Generated } from "kysely";

export interface SyncsTable {
  name: string;
  repo_url: string;
  branch: string;
  /** JSON array of resource paths. */
  paths: string;
  managed: number;
  /** This sync's own webhook secret, sealed with core's key ("": core's TUG_WEBHOOK_SECRET). */
  webhook_secret: string;
  /** 1: resources no longer declared are deleted (the sync's `delete`). */
  delete_missing: number;
  /** Why the last check failed before it could read a commit (an unreachable remote, …). */
  last_error: string | null;
  /** The sync whose repository declared this one; null for the root sync. */
  declared_by: string | null;
  /** The last commit seen on the branch, valid or not. */
  head_commit: string | null;
  /** The last commit applied (or, when not managed, planned and held). */
  applied_commit: string | null;
  status: string;
  /** JSON: diagnostics of an invalid commit. */
  errors: string | null;
  /** JSON: a plan held for a manual run (managed = 0). */
  pending_plan: string | null;
  /** JSON FleetState: what the last apply (or attempt) of this sync left. */
  applied_state: string | null;
  checked_at: string | null;
}

export interface ServersTable {
  name: string;
  address: string;
  /** inbound: core dials the address; outbound: the agent dials core. */
  connection: Generated<string>;
  enabled: number;
  region: string;
  /** JSON array of the server's tags. */
  tags: string;
  reachable: number;
  last_seen: string | null;
  last_error: string | null;
  agent_version: string | null;
  /** The trusted certificate fingerprint: given in TOML, or accepted by an admin. */
  fingerprint: string | null;
  /** A fingerprint the agent presented that is not trusted (yet): first contact, or a change. */
  pending_fingerprint: string | null;
  /** The sync that declares this server: only it may change or remove it. */
  sync: string;
  updated_at: string;
}

export interface StacksTable {
  name: string;
  server: string;
  sync: string;
  project: string;
  /** JSON: what a deploy needs except secret values. */
  spec: string;
  desired_fingerprint: string;
  deployed_fingerprint: string | null;
  /** JSON FingerprintParts of the deployed version, for plan reasons. */
  deployed_parts: string | null;
  deployed_commit: string | null;
  deployed_at: string | null;
  state: string;
  stopped: number;
  updated_at: string;
  /** JSON DeployedService[]: what each service ran when the deployed version was deployed (drift baseline). */
  deployed_services: string | null;
  /** JSON DriftReason[] from the last status round; null when not drifted. */
  drift: string | null;
  /** JSON number[]: when self-heals ran (ms), for the restart budget. */
  heals: string;
  /** Why self-heal is held for a person (flapping), or null. */
  heal_hold: string | null;
  /** JSON Quarantine: the fingerprint whose deploy failed, not retried automatically; or null. */
  quarantine: string | null;
}

export interface UpdatesTable {
  id: string;
  operation: string;
  target_kind: string;
  target_name: string;
  trigger: string;
  actor: string;
  commit: string | null;
  /** JSON array of reasons. */
  reasons: string;
  status: string;
  /** JSON: the final result (steps, failures, error). */
  result: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface UpdateEventsTable {
  update_id: string;
  seq: number;
  /** JSON StreamEvent (secrets masked). */
  event: string;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: string;
  created_at: string;
  /** "local" (password) or "oidc" (provisioned by an OIDC login; no password). */
  source: Generated<string>;
  /** The `iss` and `sub` an OIDC user was provisioned with: a later login must match them. */
  oidc_subject: string | null;
  /** The groups claim of the user's last OIDC login (JSON list): their user groups. */
  oidc_groups: Generated<string>;
  /** The TOTP secret, sealed with core's key; set when enrolment starts. */
  totp_secret: string | null;
  totp_enabled: Generated<number>;
  /** Wrong codes in a row; at the limit, code checks wait until `totp_locked_until`. */
  totp_failures: Generated<number>;
  totp_locked_until: string | null;
  /** The time step of the last code used: a code works once (no replay within its window). */
  totp_last_step: number | null;
}

export interface SessionsTable {
  token_hash: string;
  user_id: number;
  /** The absolute expiry. */
  expires_at: string;
  created_at: string;
  /** Idle expiry counts from here. */
  last_seen_at: string;
  ip: string;
  user_agent: string;
}

export interface RecoveryCodesTable {
  code_hash: string;
  user_id: number;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  /** The client's address. */
  source: string;
  /** JSON object. */
  detail: string;
}

export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  key_hash: string;
  user_id: number;
  expires_at: string | null;
  created_at: string;
  /** The key acts as its user, up to this level ("Read", "Execute"); null: as the user. */
  max_level: string | null;
}

/** A list of series names; samples refer to it instead of repeating it. */
export interface MetricLayoutsTable {
  id: Generated<number>;
  /** JSON array of series names, in the order values are packed. */
  keys: string;
}

export interface MetricRawTable {
  server: string;
  /** Unix seconds. */
  at: number;
  layout: number;
  /** Float32 values in layout order (NaN: no value). */
  data: Buffer;
}

export interface MetricRollupsTable {
  server: string;
  /** Bucket size in seconds (300, 3600). */
  resolution: number;
  /** Unix seconds, start of the bucket. */
  bucket: number;
  layout: number;
  /** Samples in the bucket. */
  count: number;
  /** Float32 min, avg, max per series in layout order. */
  data: Buffer;
}

export interface AlertsTable {
  id: string;
  /** One open alert per condition: `server-cpu:apollo`, `stack:immich`, … */
  condition: string;
  type: string;
  target_kind: string;
  target_name: string;
  severity: string;
  /** open | resolved */
  status: string;
  message: string;
  /** JSON details (values, thresholds, states). */
  details: string;
  /** 1 when it opened inside a maintenance window: recorded, not sent. */
  suppressed: number;
  opened_at: string;
  updated_at: string;
  resolved_at: string | null;
}

export interface AlertDeliveriesTable {
  id: Generated<number>;
  alert_id: string;
  alerter: string;
  /** open | escalate | resolve | test */
  event: string;
  /** pending | sent | failed */
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

/** Variables and secrets core holds (`[[NAME]]`s the repository only names); values sealed with core's key. */
export interface VariablesTable {
  name: string;
  value: string;
  secret: number;
  description: string;
  updated_at: string;
}

/** Per stack and service: what the last image check found, and a digest not to update to again. */
export interface ImageChecksTable {
  stack: string;
  service: string;
  server: string;
  /** The image reference the container runs. */
  image: string;
  /** up-to-date | update-available | pinned | local | error */
  status: string;
  running_digest: string | null;
  latest_digest: string | null;
  /** An update to this registry digest failed or changed nothing: not tried again until the registry moves on. */
  failed_digest: string | null;
  /** Why: the check's error, a failed update's reason, or why it was not checked. */
  note: string | null;
  /** JSON NewerVersions, for a version-like tag. */
  versions: string | null;
  checked_at: string;
}

/** Registry credentials core holds for image checks, the password sealed with core's key. */
export interface RegistryCredentialsTable {
  registry: string;
  username: string;
  password: string;
  updated_at: string;
}

/** An outbound agent's enrolment: the SHA-256 of its token, never the token. */
export interface AgentTokensTable {
  server: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
}

export interface Database {
  syncs: SyncsTable;
  servers: ServersTable;
  stacks: StacksTable;
  updates: UpdatesTable;
  update_events: UpdateEventsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  recovery_codes: RecoveryCodesTable;
  audit: AuditTable;
  metric_layouts: MetricLayoutsTable;
  metric_raw: MetricRawTable;
  metric_rollups: MetricRollupsTable;
  alerts: AlertsTable;
  alert_deliveries: AlertDeliveriesTable;
  variables: VariablesTable;
  image_checks: ImageChecksTable;
  registry_credentials: RegistryCredentialsTable;
  agent_tokens: AgentTokensTable;
}
