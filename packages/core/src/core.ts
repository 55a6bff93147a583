// Starts core: database, stores, sync engine, deployer, status poller and the
// HTTP API; recovers from a previous run that stopped mid-deploy.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { AnalysisCache } from "@tugboat/config";
import { AgentPool } from "./agents/agent-pool.js";
import { AgentLinks } from "./agents/link/agent-links.js";
import { AgentTokens } from "./agents/link/agent-tokens.js";
import { startAgentLink } from "./agents/link/start-link.js";
import { ServerStore } from "./agents/server-store.js";
import { AlertManager } from "./alerts/alert-manager.js";
import { AlertStore } from "./alerts/alert-store.js";
import { AlertDelivery } from "./alerts/delivery.js";
import { alertOnUpdates } from "./alerts/update-alerts.js";
import { Access } from "./auth/access.js";
import { AuditLog } from "./auth/audit.js";
import { OidcLogin, parseRoleMap } from "./auth/oidc.js";
import { SessionStore } from "./auth/sessions.js";
import { TwoFactor } from "./auth/two-factor.js";
import { UserStore } from "./auth/user-store.js";
import { UptimeChecks } from "./checks/uptime-checks.js";
import { type CoreConfig, secretsFor } from "./config/core-config.js";
import { openDatabase } from "./db/open-database.js";
import { Deployer } from "./deploy/deployer.js";
import { StackStore } from "./deploy/stack-store.js";
import { buildApp, type RouteInfo } from "./http/app.js";
import type { CoreContext } from "./http/context.js";
import { ImageStore } from "./images/image-store.js";
import { ImageWatch } from "./images/image-watch.js";
import { RegistryClient } from "./images/registry-client.js";
import { startLogs } from "./logs/logs.js";
import { Downsampler } from "./metrics/downsampler.js";
import { MetricStore } from "./metrics/metric-store.js";
import { prometheusRegistry } from "./monitor/prometheus.js";
import { StatusPoller } from "./monitor/status-poller.js";
import { AgentBuilds, DEFAULT_AGENT_BUILD } from "./ops/agents/agent-build.js";
import { backupObservation } from "./ops/backups/backup-alert.js";
import { type BackupRecord, Backups } from "./ops/backups/backups.js";
import type { DatabaseSource } from "./ops/backups/dump.js";
import { lockState } from "./ops/core-lock.js";
import { ownContainerId } from "./ops/self/own-container.js";
import { backgroundRunner } from "./process/background.js";
import { Reconciler } from "./reconcile/reconciler.js";
import { CoreKey } from "./secrets/core-key.js";
import { SecretMasker } from "./secrets/masker.js";
import { VariableStore } from "./secrets/variable-store.js";
import { ShellSessions } from "./shell/shell-sessions.js";
import { Swarms } from "./swarm/swarms.js";
import { RepoMirrors } from "./sync/repo-mirror.js";
import { SyncEngine } from "./sync/sync-engine.js";
import { SyncStore } from "./sync/sync-store.js";
import { UpdateLog } from "./updates/update-log.js";
import { UpdateStore } from "./updates/update-store.js";

export const CORE_VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

export interface RunningCore {
  url: string;
  port: number;
  context: CoreContext;
  /** Every API route as declared (method, URL, role, reply schemas). */
  routes: RouteInfo[];
  /** One status round now (servers' reachability, stacks' state), as the timer does every TUG_STATUS_INTERVAL. */
  pollStatus(): Promise<void>;
  /** Resolves when no alert delivery is in flight or waiting for a retry. */
  alertsDelivered(): Promise<void>;
  /** Waits for the current checks and polls, then stops everything. */
  close(): Promise<void>;
}

/** A local path becomes absolute (agents on this machine read it); URLs stay as they are. */
function repoUrl(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes("@") || !existsSync(value) ? value : resolve(value);
}

export async function startCore(
  config: CoreConfig,
  options: { log?: (line: string) => void } = {},
): Promise<RunningCore> {
  const masker = new SecretMasker();
  // Values core itself holds; each sync adds its repository's secrets as it is read.
  masker.set("core", [
    ...Object.values(config.secrets),
    config.agent_passkey,
    config.webhook_secret,
    config.init_admin_password,
    config.oidc_client_secret,
    ...(config.database_url ? [new URL(config.database_url).password] : []),
  ]);
  const write = options.log ?? ((line: string) => console.log(line));
  const log = (line: string) => write(masker.mask(line));
  const background = backgroundRunner(log);
  const state = { dataDir: config.data_dir, ...(config.database_url ? { url: config.database_url } : {}) };
  const lock = await lockState(state);
  const keyFile = config.key_file || join(config.data_dir, "core.key");
  const key = await CoreKey.load(keyFile);
  let reportBackup = (_record: BackupRecord) => {};
  const backupsOf = (source: DatabaseSource) =>
    new Backups({
      dir: config.backup_dir || join(config.data_dir, "backups"),
      source,
      keyFile,
      keep: { daily: config.backup_keep_daily, weekly: config.backup_keep_weekly, monthly: config.backup_keep_monthly },
      ...(config.backup_age_recipient ? { ageRecipient: config.backup_age_recipient } : {}),
      coreVersion: CORE_VERSION,
      onResult: (record) => reportBackup(record),
      log,
    });
  const { db, describe, source } = await openDatabase({
    ...state,
    // A migration that goes wrong can be undone only from a copy taken just before it.
    beforeMigrate: async (pending, before) => {
      log(`migrations to apply: ${pending.join(", ")}; backing up first`);
      await backupsOf(before).run("pre-migration");
    },
  });
  log(`state: ${describe}`);
  const backups = backupsOf(source);
  const users = new UserStore(db);
  const sessions = new SessionStore(
    db,
    { absoluteMs: config.session_hours * 3600_000, idleMs: config.session_idle_minutes * 60_000 },
    Buffer.from(key.hmac("csrf", "session cookies"), "hex"),
  );
  const audit = new AuditLog(db, config.audit_retention_days, (text) => masker.mask(text));
  const oidc = config.oidc_issuer
    ? new OidcLogin({
        issuer: config.oidc_issuer,
        clientId: config.oidc_client_id,
        clientSecret: config.oidc_client_secret,
        scopes: config.oidc_scopes,
        name: config.oidc_name,
        groupsClaim: config.oidc_groups_claim,
        roleMap: parseRoleMap(config.oidc_role_map),
        defaultRole: config.oidc_default_role || undefined,
      })
    : undefined;
  const servers = new ServerStore(db);
  const stacks = new StackStore(db);
  const syncs = new SyncStore(db, key);
  const updates = new UpdateStore(db);
  const access = new Access({ stacks, servers, updates });
  const variables = new VariableStore(db, key, masker);
  await variables.values(); // masks the secrets it holds before anything is logged

  const interrupted = await updates.failInterrupted("core stopped while this was running");
  const reset = await stacks.resetDeploying();
  if (interrupted + reset > 0)
    log(`recovered: ${interrupted} interrupted update(s) marked failed, ${reset} stack(s) no longer deploying`);

  if ((await users.count()) === 0) {
    if (config.init_admin_username && config.init_admin_password) {
      await users.create(config.init_admin_username, config.init_admin_password, "admin");
      log(`created admin user "${config.init_admin_username}"`);
    } else
      log("warning: no users yet; set TUG_INIT_ADMIN_USERNAME and TUG_INIT_ADMIN_PASSWORD to create the first admin");
  }

  const self = ownContainerId();
  if (self) log(`core runs in container ${self.slice(0, 12)}: agents never stop, recreate or remove it`);
  const links = new AgentLinks(config.agent_link_heartbeat_seconds * 1000);
  const agentTokens = new AgentTokens(db);
  const agents = new AgentPool(servers, config.agent_passkey, links, self);
  const agentBuilds = new AgentBuilds(config.agent_build || DEFAULT_AGENT_BUILD);
  // Agents are expected to run the build core offers (the version-mismatch alert, the doctor).
  const offeredVersion = (await agentBuilds.current().catch(() => undefined))?.version ?? CORE_VERSION;
  const updateLog = new UpdateLog(updates, masker);
  const metrics = new MetricStore(db);
  const rootUrl = config.sync_repo ? repoUrl(config.sync_repo) : "";
  const mirrors = new RepoMirrors({ dir: join(config.data_dir, "repos"), trustedLocal: rootUrl ? [rootUrl] : [] });
  const retention = {
    rawHours: config.metrics_raw_hours,
    fiveMinuteDays: config.metrics_5m_days,
    hourlyDays: config.metrics_1h_days,
  };
  const alertStore = new AlertStore(db);
  const zone = config.timezone ? { defaultZone: config.timezone } : {};
  const delivery = new AlertDelivery({
    store: alertStore,
    backoffMs: config.alert_retry_seconds.map((s) => s * 1000),
    log,
    allowPrivate: config.alerter_allow_private,
    ...zone,
  });
  const alerts = new AlertManager({ store: alertStore, delivery, ...zone });
  await alerts.restore();
  const swarms = new Swarms({ agents, alerts, stacks, intervalMs: config.status_interval * 1000, log });
  const deployer = new Deployer({
    agents,
    stacks,
    log: updateLog,
    parallelPerHost: config.deploy_parallel_per_host,
    background,
    swarms,
  });
  const engine = new SyncEngine({
    syncs,
    servers,
    stacks,
    log: updateLog,
    mirrors,
    deployer,
    agents,
    swarms,
    masker,
    held: async (sync) => {
      const held = await variables.values();
      return { variables: held.variables, secrets: { ...held.secrets, ...secretsFor(config, sync) } };
    },
    digest: (text) => key.hmac("fingerprint", text),
    ...(config.analysis_cache_mb > 0
      ? { analysisCache: new AnalysisCache(config.analysis_cache_mb * 1024 * 1024) }
      : {}),
    background,
    ...(config.sync_managed === undefined ? {} : { managedOverride: config.sync_managed }),
    onFleet: (sync, fleet) => {
      alerts.configureFleet(sync, fleet);
      swarms.configureSync(sync, fleet.swarms);
      access.configureSync(
        sync,
        fleet.userGroups.map((group) => group.config),
      );
    },
    // Permissions come from Git: who pushed them is in Git, who applied them (and when) goes in the audit trail.
    onApplied: async (sync, plan, commit, trigger) => {
      for (const { kind, name, action } of plan.resources.filter((r) => r.kind === "user_group"))
        await audit.record({
          actor: trigger.actor,
          action: `user_group.${action}`,
          target: name,
          outcome: "ok",
          source: `sync ${sync}`,
          detail: { commit, trigger: trigger.trigger, kind },
        });
    },
    onRemote: (sync, problem) =>
      background(
        `alert for sync ${sync}`,
        alerts.observe({
          condition: `sync-remote:${sync}`,
          type: "ResourceSyncFailed",
          target: { kind: "sync", name: sync },
          severity: problem ? "critical" : null,
          message: problem
            ? `sync ${sync} cannot read its repository: ${problem}`
            : `sync ${sync} reaches its repository again`,
          details: {},
          openAfter: 2,
        }),
      ),
  });

  if (config.sync_repo) {
    await syncs.upsert({
      name: config.sync_name,
      repoUrl: rootUrl,
      branch: config.sync_branch,
      paths: config.sync_paths,
      managed: config.sync_managed ?? true,
    });
  } else log("warning: no TUG_SYNC_REPO: nothing to sync");
  await engine.restoreAll();
  // After restore: alerters are configured again before pending deliveries are retried.
  await delivery.resume();

  const uptimeChecks = new UptimeChecks({ metrics, alerts, log });
  const poller = new StatusPoller({
    servers,
    stacks,
    agents,
    metrics,
    alerts,
    reconciler: new Reconciler({ stacks, alerts, deployer, log }),
    checks: uptimeChecks,
    coreVersion: offeredVersion,
    intervalMs: config.status_interval * 1000,
    log,
  });
  const logs = await startLogs({ config, servers, stacks, agents, alerts, masker, log, background });
  const imageStore = new ImageStore(db, key, masker);
  const imageWatch = new ImageWatch({
    stacks,
    servers,
    agents,
    deployer,
    store: imageStore,
    alerts,
    registry: new RegistryClient({
      credentials: (registry) => imageStore.credential(registry),
      insecure: config.insecure_registries,
    }),
    intervalMs: config.image_check_interval * 1000,
    log,
    background,
  });
  const prometheus = prometheusRegistry({
    servers,
    stacks,
    syncs,
    alerts: alertStore,
    poller,
    images: imageStore,
    version: CORE_VERSION,
  });
  reportBackup = (record) => background("backup alert", alerts.observe(backupObservation(record)));
  if (config.backup_schedule !== "off") backups.start(config.backup_schedule, config.timezone || undefined);
  const onUpdate = alertOnUpdates({
    alerts,
    stackServer: async (name) => (await stacks.get(name))?.server,
    linesDuring: config.logs ? (stack, from, to) => logs.linesDuring(stack, from, to) : undefined,
  });
  updateLog.onFinish((finished) => {
    background("alerts of a finished update", onUpdate(finished));
    prometheus.onUpdateFinished(finished);
  });

  const context: CoreContext = {
    config,
    version: CORE_VERSION,
    users,
    sessions,
    twoFactor: new TwoFactor(db, key),
    oidc,
    access,
    audit,
    servers,
    stacks,
    syncs,
    variables,
    log: updateLog,
    deployer,
    engine,
    agents,
    mirrors,
    masker,
    key,
    checks: uptimeChecks,
    swarms,
    images: { store: imageStore, watch: imageWatch },
    logs,
    shells: new ShellSessions({
      agents,
      stacks,
      log: updateLog,
      serverSettings: (server) => alerts.serverSettings(server),
    }),
    say: log,
    background,
    observability: { metrics, retention, alerts: alertStore, delivery, exposition: prometheus.exposition },
    backups,
    agentBuilds,
    agentLink: { tokens: agentTokens, links, listener: undefined },
  };
  const { app, routes } = await buildApp(context);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  log(`tug core ${CORE_VERSION} listening on http://${config.host}:${port}`);

  poller.start();
  swarms.start();
  imageWatch.start();
  const downsampler = new Downsampler({ store: metrics, retention });
  const housekeeping = () => {
    background("metrics rollup", downsampler.run(Math.floor(Date.now() / 1000)));
    background("session purge", sessions.purgeExpired());
    background("audit retention", audit.purge());
  };
  const housekeepingTimer = setInterval(housekeeping, 300_000);
  housekeepingTimer.unref();
  housekeeping();
  /** Checks the syncs `which` picks (each coalesces with a check already running). */
  const checkSyncs = (which: (status: string) => boolean, actor: string) =>
    background(
      `sync checks (${actor})`,
      syncs.list().then((all) => {
        for (const sync of all.filter((s) => which(s.status)))
          background(`sync ${sync.name}: check`, engine.check(sync.name, { trigger: "poll", actor }));
      }),
    );
  // Every sync, the root one and those its repository declares, is checked on each tick.
  const poll = () => checkSyncs(() => true, "poll");
  const pollTimer = setInterval(poll, config.poll_interval * 1000);
  pollTimer.unref();
  poll();

  const running = {
    url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`,
    port,
    context,
    routes,
    pollStatus: () => Promise.all([poller.pollOnce(), swarms.pollOnce()]).then(() => undefined),
    alertsDelivered: () => delivery.idle(),
    async close() {
      clearInterval(pollTimer);
      clearInterval(housekeepingTimer);
      // Cut off what is in flight (git, agent requests, event streams) instead of waiting for it.
      mirrors.close();
      await logs.collectors.stop();
      agents.close();
      await context.agentLink.listener?.close();
      imageWatch.stop();
      await poller.stop();
      await swarms.stop();
      await delivery.close();
      await app.close();
      await Promise.all([deployer.idle(3_000), engine.idle(3_000)]);
      await backups.stop();
      await logs.close();
      await db.destroy();
      await lock.release();
    },
  };
  // An agent that links (again) is polled now, and the syncs that failed (a deploy that could
  // not reach it among them) are tried again; the others have nothing to retry.
  try {
    context.agentLink.listener = await startAgentLink(config, {
      tokens: agentTokens,
      links,
      audit,
      log,
      linked: (server) => {
        background(`status after ${server} linked`, poller.pollOnce());
        checkSyncs((status) => status === "failed", `agent ${server} linked`);
      },
    });
  } catch (error) {
    // Its port taken, its certificate unreadable: core does not run half started.
    await running.close();
    throw error;
  }
  return running;
}
