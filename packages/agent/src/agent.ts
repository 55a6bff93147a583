// Starts the agent: certificate, Docker client, stats sampler, HTTP(S) server.

import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { childEnv } from "@tugboat/git";
import { TugError } from "@tugboat/protocol";
import { type ComposeRunner, detectCompose } from "./compose/runner.js";
import type { AgentConfig } from "./config/agent-config.js";
import { DockerEngine } from "./docker/engine.js";
import { StatsSampler } from "./host/stats.js";
import { CoreLink } from "./link/core-link.js";
import { LogShipper } from "./logs/log-shipper.js";
import { Repositories } from "./repos/repositories.js";
import { buildServer } from "./server/app.js";
import { ensureCertificate } from "./server/tls.js";
import { attachShellServer } from "./shell/shell-server.js";
import { StackLocks } from "./stacks/locks.js";
import { StackRecords } from "./stacks/stack-record.js";
import { Stacks } from "./stacks/stacks.js";
import type { SelfBuild } from "./upgrade/self-upgrade.js";

/** Set by the single-file build (scripts/bundle-agent.mjs); from package.json otherwise. */
declare const __TUGBOAT_AGENT_VERSION__: string | undefined;
export const AGENT_VERSION =
  typeof __TUGBOAT_AGENT_VERSION__ === "string"
    ? __TUGBOAT_AGENT_VERSION__
    : (createRequire(import.meta.url)("../package.json") as { version: string }).version;

export interface RunningAgent {
  /** https://host:port (or http:// with insecure_http); "" in outbound mode, which listens on no port. */
  url: string;
  port: number;
  /** SHA-256 fingerprint of the TLS certificate; "" over plain HTTP. */
  fingerprint: string;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: (line: string) => void;
  /** The single-file build this process runs from: it may replace itself (POST /upgrade). */
  self?: SelfBuild;
  /** Ends the process after an upgrade, for its supervisor to start the new build. */
  restart?: () => void;
}

export async function startAgent(config: AgentConfig, options: StartOptions = {}): Promise<RunningAgent> {
  const log = options.log ?? ((line: string) => console.log(line));
  await mkdir(config.root, { recursive: true, mode: 0o700 });
  const outbound = config.core_url !== "";
  const tls = config.insecure_http || outbound ? undefined : await ensureCertificate(config.root);
  if (tls?.created) log(`created a self-signed certificate in ${config.root}/tls`);
  const engine = new DockerEngine(config.docker_host || undefined);
  if (!(await engine.ping()))
    log(`warning: dockerd at ${engine.dockerHost} does not answer yet; requests will fail until it does`);

  let runner: Promise<ComposeRunner | undefined> | undefined;
  const findCompose = () => {
    runner ??= detectCompose().then((found) => {
      if (!found) runner = undefined; // look again next time: it may be installed later
      return found;
    });
    return runner;
  };
  const requireCompose = async () => {
    const found = await findCompose();
    if (!found) {
      throw new TugError("E_EXEC_FAILED", "neither `docker compose` nor `docker-compose` is installed on this host");
    }
    return found;
  };

  const stats = new StatsSampler(engine, { intervalMs: config.stats_interval_seconds * 1000 });
  const records = new StackRecords(config.root);
  const logs = new LogShipper({
    engine,
    records,
    log,
    limits: { lines: config.log_buffer_lines, bytes: config.log_buffer_mb * 1024 * 1024 },
  });
  const locks = new StackLocks();
  // Core names its own container on each request when it runs in one: never stopped, recreated or removed here.
  const coreContainers = new Set<string>();
  const stacks = new Stacks({
    engine,
    repos: new Repositories(config.root),
    records,
    locks,
    coreContainers,
    compose: requireCompose,
    // Compose sees the agent's environment without its TUG_* settings (the passkey among them).
    env: childEnv({ DOCKER_HOST: engine.dockerHost }),
    secrets: config.secrets,
  });
  const server = buildServer({
    version: AGENT_VERSION,
    passkey: config.passkey,
    allowedIps: config.allowed_ips,
    ...(tls ? { tls } : {}),
    engine,
    stacks,
    stats,
    logs,
    compose: findCompose,
    coreContainers,
    upgrade: {
      self: options.self,
      supervised:
        Boolean(options.restart) && (Boolean(process.env.INVOCATION_ID) || process.env.TUG_AGENT_SUPERVISED === "1"),
      busy: () => locks.busy(),
      restart: () => options.restart?.(),
    },
  });
  const detachShells = attachShellServer(server, {
    passkey: config.passkey,
    allowedIps: config.allowed_ips,
    engine,
    records,
    log,
  });
  // Outbound: nothing listens; every connection is a channel of the link the agent opens to core.
  const link = outbound
    ? new CoreLink({
        url: config.core_url,
        token: config.token,
        fingerprint: config.core_fingerprint,
        ca: config.coreCaPem ?? "",
        server,
        version: AGENT_VERSION,
        log,
      })
    : undefined;
  const close = async () => {
    stats.stop();
    await link?.close();
    await logs.close();
    detachShells();
    if (server.listening)
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A connection still in its TLS handshake is not the server's yet: cut it once it is.
        const cut = setInterval(() => server.closeAllConnections(), 100);
        server.once("close", () => clearInterval(cut));
        server.closeAllConnections();
      });
    else server.closeAllConnections();
    engine.close();
  };
  if (link) {
    log(`tug agent ${AGENT_VERSION} dialling core at ${config.core_url} (outbound: no port is open)`);
    link.start();
    stats.start();
    return { url: "", port: 0, fingerprint: "", close };
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  stats.start();
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const scheme = tls ? "https" : "http";
  const url = `${scheme}://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  log(`tug agent ${AGENT_VERSION} listening on ${scheme}://${config.host}:${port}`);
  if (tls) log(`certificate fingerprint (SHA-256): ${tls.fingerprint}`);
  else log("warning: plain HTTP (--insecure-http): the passkey travels unencrypted");
  return { url, port, fingerprint: tls?.fingerprint ?? "", close };
}
