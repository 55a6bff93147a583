// Issue 21, item 11: every Komodo field Tugboat reads is either acted on or
// reported "not supported yet". This walks every config key of every kind:
// a new field fails here until someone says where it is acted on, or lists it
// as ignored (reported when set to anything Tugboat does not do anyway).
import { describe, expect, it } from "vitest";
import { KINDS } from "../src/resources/kinds.js";
import { loadFiles, repo, stackToml } from "./fixture.js";

/** Where each field is acted on. */
const ACTED_ON: Record<string, Record<string, string>> = {
  server: {
    address: "core: agent client",
    region: "core: dashboard, metrics labels",
    enabled: "config: plan skips stacks; core: poller",
    timeout_seconds: "core: agent client deadlines",
    passkey: "core: agent client",
    fingerprint: "core: certificate pin",
    connection: "core: agent pool (outbound link)",
    ignore_mounts: "core: disk alerts; agent: stats",
    stats_monitoring: "core: status poller",
    terminals_disabled: "core: shell routes",
    networks: "core: prepare networks; agent: networks apply",
    send_unreachable_alerts: "core: alert rules",
    send_cpu_alerts: "core: alert rules",
    send_mem_alerts: "core: alert rules",
    send_disk_alerts: "core: alert rules",
    send_version_mismatch_alerts: "core: alert rules",
    cpu_warning: "core: alert rules",
    cpu_critical: "core: alert rules",
    mem_warning: "core: alert rules",
    mem_critical: "core: alert rules",
    disk_warning: "core: alert rules",
    disk_critical: "core: alert rules",
    maintenance_windows: "core: alert filters",
  },
  stack: {
    swarm: "config: swarm stacks; core: deployer picks a manager; agent: docker stack deploy",
    swarm_id: "config: swarm stacks",
    server: "config: resolve; core: deploy target",
    project_name: "agent: compose -p",
    run_directory: "config: files; agent: cwd",
    file_paths: "config: files; agent: compose -f",
    environment: "agent: env file",
    env_file_path: "agent: env file",
    additional_env_files: "agent: --env-file",
    poll_for_updates: "core: image checks",
    auto_update: "core: image updates",
    auto_update_all_services: "core: image updates",
    auto_update_skip_services: "core: image updates",
    deploy_on_push: "config: plan (pending)",
    auto_pull: "agent: pull",
    linked_repo: "config: stack source",
    repo: "config: stack source",
    git_provider: "config: stack source",
    git_https: "config: stack source",
    branch: "config: stack source",
    ignore_services: "agent: health wait",
    extra_args: "agent: compose up",
    destroy_before_deploy: "agent: compose down",
    pre_deploy: "agent: before up",
    run_build: "agent: compose build",
    post_deploy: "agent: after up",
    skip_secret_interp: "config: interpolation",
    self_heal: "core: reconcile",
    unhealthy_restart_after: "core: reconcile",
    auto_rollback: "core: deployer rollback",
    deploy_gate: "core: reconcile",
    checks: "agent: uptime checks",
    ship_logs: "agent: log shipping",
    log_alerts: "core: log pattern alerts",
  },
  resource_sync: {
    linked_repo: "config: self sync; core: declared syncs",
    repo: "config: self sync; core: declared syncs",
    git_provider: "config: self sync; core: declared syncs",
    git_https: "config: self sync; core: declared syncs",
    branch: "core: declared syncs",
    resource_path: "config: discovery",
    managed: "core: apply",
    delete: "config: plan deletes",
    webhook_secret: "core: webhooks",
    include_resources: "config: sync filters",
    include_variables: "config: sync filters",
    include_user_groups: "config: sync filters",
    match_tags: "config: sync filters",
  },
  alerter: {
    enabled: "core: delivery",
    endpoint: "core: delivery",
    alert_types: "core: alert filters",
    resources: "core: alert filters",
    except_resources: "core: alert filters",
    maintenance_windows: "core: alert filters",
  },
  swarm: {
    servers: "core: swarm managers",
    server_ids: "config: merged into servers",
    send_unhealthy_alerts: "core: swarm alerts",
    maintenance_windows: "core: swarm alerts (kept, not sent)",
    links: "core: swarms API",
    node_labels: "core: prepare networks; agent: node labels",
    networks: "config: network plan; core: prepare networks",
  },
  repo: {
    repo: "config: stack source",
    git_provider: "config: stack source",
    git_https: "config: stack source",
    branch: "config: stack source",
    url: "config: stack source",
  },
};

describe("every Komodo field is acted on or reported", () => {
  it("walks every config key of every kind", () => {
    const neither: string[] = [];
    for (const spec of KINDS) {
      for (const key of spec.configKeys ?? []) {
        const acted = ACTED_ON[spec.kind]?.[key] !== undefined;
        const ignored = spec.ignoredConfig?.[key] !== undefined;
        if (acted === ignored) neither.push(`${spec.kind}.config.${key}${acted ? " (both)" : ""}`);
      }
    }
    expect(neither).toEqual([]);
  });

  it("reports an ignored field set to what Tugboat does not do, once, and says nothing for what it does or acts on", async () => {
    const toml = [
      stackToml("app", "", "webhook_enabled = false\nreclone = false"),
      stackToml("web", "", 'webhook_enabled = false\n[stack.config.pre_deploy]\ncommand = "make config"'),
    ].join("");
    const { warnings } = await loadFiles(
      repo({ "syncs/stacks.toml": toml, "stacks/web/compose.yaml": "services: {}\n" }),
    );
    expect(warnings.filter((w) => w.code === "W_NOT_SUPPORTED").map((w) => w.message)).toEqual([
      "field stack.config.webhook_enabled = false: not supported yet, read and ignored (2 places; first here)",
    ]);
  });
});
