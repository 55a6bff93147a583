// `tug agent`: runs the agent on this host until SIGINT/SIGTERM.
// `tug agent install`: prints (or with --write, writes) its systemd unit and config.
// `tug agent upgrade`: core moves agents to the build it offers, host by host.
import { realpathSync } from "node:fs";
import { installFiles, loadAgentConfig, startAgent, writeInstallFiles } from "@tugboat/agent";
import { CoreClient } from "../core-client.js";
import { EXIT_OK } from "../exit-codes.js";
import { logUnhandledRejections } from "../process-guards.js";
import { UsageError } from "../usage-error.js";
import { followAndReport } from "./remote.js";

export interface AgentCommandOptions {
  config?: string;
  port?: string;
  host?: string;
  root?: string;
  passkeyFile?: string;
  allowedIps?: string;
  insecureHttp?: boolean;
  core?: string;
  token?: string;
  tokenFile?: string;
  coreFingerprint?: string;
  coreCa?: string;
}

export async function agentCommand(options: AgentCommandOptions): Promise<number> {
  const config = await loadAgentConfig({
    ...(options.config ? { configFile: options.config } : {}),
    flags: {
      port: options.port,
      host: options.host,
      root: options.root,
      passkey_file: options.passkeyFile,
      allowed_ips: options.allowedIps,
      insecure_http: options.insecureHttp,
      core_url: options.core,
      token: options.token,
      token_file: options.tokenFile,
      core_fingerprint: options.coreFingerprint,
      core_ca: options.coreCa,
    },
  });
  logUnhandledRejections("tug agent");
  const agent = await startAgent(config);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await agent.close();
  return EXIT_OK;
}

export interface InstallCommandOptions {
  write?: boolean;
  /** The single-file build the unit runs (tugboat-agent.mjs), instead of this tug. */
  build?: string;
  configDir: string;
  unitDir: string;
  root: string;
  port: string;
  /** Outbound: core's agent link, and its certificate's fingerprint. */
  core?: string;
  coreFingerprint?: string;
}

export async function agentInstallCommand(options: InstallCommandOptions): Promise<number> {
  const files = installFiles({
    command: [process.execPath, realpathSync(options.build ?? process.argv[1] ?? "tug")],
    configDir: options.configDir,
    unitDir: options.unitDir,
    root: options.root,
    port: Number(options.port),
    ...(options.core ? { outbound: { coreUrl: options.core, fingerprint: options.coreFingerprint ?? "" } } : {}),
  });
  if (options.core && !/^wss:\/\//.test(options.core))
    throw new UsageError(`--core ${options.core} must start with wss:// (the link is always TLS)`);
  if (!options.write) {
    process.stdout.write(`# ${files.unitPath}\n${files.unit}\n# ${files.configPath}\n${files.config}`);
    process.stdout.write(
      files.tokenPath
        ? `# ${files.tokenPath}: the token tug server enroll printed, written by you (mode 0600)\n`
        : `# ${files.passkeyPath}: a random passkey, written by --write (mode 0600)\n`,
    );
    return EXIT_OK;
  }
  const { passkeyCreated } = await writeInstallFiles(files);
  if (files.tokenPath) {
    process.stdout.write(
      [
        `wrote ${files.unitPath}`,
        `wrote ${files.configPath}`,
        `next: on core, tug server enroll NAME; put the token in ${files.tokenPath} (mode 0600), then: systemctl daemon-reload && systemctl enable --now tugboat-agent`,
        "",
      ].join("\n"),
    );
    return EXIT_OK;
  }
  process.stdout.write(
    [
      `wrote ${files.unitPath}`,
      `wrote ${files.configPath}`,
      passkeyCreated
        ? `wrote a new passkey to ${files.passkeyPath} (mode 0600)`
        : `kept the passkey in ${files.passkeyPath}`,
      `next: give core the passkey (cat ${files.passkeyPath}), then: systemctl daemon-reload && systemctl enable --now tugboat-agent`,
      "",
    ].join("\n"),
  );
  return EXIT_OK;
}

/** `tug agent upgrade --all | --server NAME…`: core upgrades agents one host at a time; follows it to the end. */
export async function agentUpgradeCommand(options: {
  core?: string;
  all?: boolean;
  server?: string[];
  rollback?: boolean;
}): Promise<number> {
  const servers = options.server ?? [];
  if (Boolean(options.all) === servers.length > 0) throw new UsageError("give either --all or --server NAME");
  const client = await CoreClient.from(options);
  if (!options.rollback) {
    const build = await client.request<{ version: string; sha256: string }>("GET", "/api/agent/build");
    process.stdout.write(`core offers agent ${build.version} (sha256 ${build.sha256})\n`);
  }
  const { updateId } = await client.request<{ updateId: string }>("POST", "/api/agent/upgrade", {
    servers,
    all: Boolean(options.all),
    rollback: Boolean(options.rollback),
  });
  return followAndReport(client, updateId);
}
