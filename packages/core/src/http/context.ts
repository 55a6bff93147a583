// What route handlers need: the stores and services of one running core.

import type { AgentPool } from "../agents/agent-pool.js";
import type { AgentLinks } from "../agents/link/agent-links.js";
import type { AgentTokens } from "../agents/link/agent-tokens.js";
import type { LinkListener } from "../agents/link/link-listener.js";
import type { ServerStore } from "../agents/server-store.js";
import type { AlertStore } from "../alerts/alert-store.js";
import type { AlertDelivery } from "../alerts/delivery.js";
import type { Access } from "../auth/access.js";
import type { AuditLog } from "../auth/audit.js";
import type { OidcLogin } from "../auth/oidc.js";
import type { SessionStore } from "../auth/sessions.js";
import type { TwoFactor } from "../auth/two-factor.js";
import type { UserStore } from "../auth/user-store.js";
import type { UptimeChecks } from "../checks/uptime-checks.js";
import type { CoreConfig } from "../config/core-config.js";
import type { Deployer } from "../deploy/deployer.js";
import type { StackStore } from "../deploy/stack-store.js";
import type { ImageStore } from "../images/image-store.js";
import type { ImageWatch } from "../images/image-watch.js";
import type { Logs } from "../logs/logs.js";
import type { Retention } from "../metrics/downsampler.js";
import type { MetricStore } from "../metrics/metric-store.js";
import type { Exposition } from "../monitor/prometheus.js";
import type { AgentBuilds } from "../ops/agents/agent-build.js";
import type { Backups } from "../ops/backups/backups.js";
import type { CoreKey } from "../secrets/core-key.js";
import type { SecretMasker } from "../secrets/masker.js";
import type { VariableStore } from "../secrets/variable-store.js";
import type { ShellSessions } from "../shell/shell-sessions.js";
import type { Swarms } from "../swarm/swarms.js";
import type { RepoMirrors } from "../sync/repo-mirror.js";
import type { SyncEngine } from "../sync/sync-engine.js";
import type { SyncStore } from "../sync/sync-store.js";
import type { UpdateLog } from "../updates/update-log.js";

export interface CoreContext {
  config: CoreConfig;
  /** Core's own backups (GFS-pruned, on a schedule and on demand). */
  backups: Backups;
  /** The agent build core offers (upgrades, installs). */
  agentBuilds: AgentBuilds;
  /** Outbound agents: their enrolment tokens, the links open now, and the listener (when agent_link_port is set). */
  agentLink: { tokens: AgentTokens; links: AgentLinks; listener: LinkListener | undefined };
  version: string;
  users: UserStore;
  sessions: SessionStore;
  twoFactor: TwoFactor;
  /** OIDC login, when TUG_OIDC_ISSUER is set. */
  oidc: OidcLogin | undefined;
  /** Who may do what: user groups and the checks. */
  access: Access;
  audit: AuditLog;
  servers: ServerStore;
  stacks: StackStore;
  syncs: SyncStore;
  variables: VariableStore;
  log: UpdateLog;
  deployer: Deployer;
  engine: SyncEngine;
  agents: AgentPool;
  mirrors: RepoMirrors;
  /** Every secret value core knows; everything core sends passes through it. */
  masker: SecretMasker;
  key: CoreKey;
  /** Uptime checks' last results. */
  checks: UptimeChecks;
  /** Declared swarms and what core last saw of each. */
  swarms: Swarms;
  /** Image checks: their findings and registry credentials, and the rounds. */
  images: { store: ImageStore; watch: ImageWatch };
  /** Container logs: the store, live tails, the collectors. */
  logs: Logs;
  /** Shells in containers: tickets and the bridges to agents. */
  shells: ShellSessions;
  /** Core's own log (masked). */
  say(line: string): void;
  /** Starts work nobody waits for; a failure is logged, never an unhandled rejection. */
  background(what: string, work: Promise<unknown>): void;
  observability: {
    metrics: MetricStore;
    retention: Retention;
    alerts: AlertStore;
    delivery: AlertDelivery;
    exposition: Exposition;
  };
}
