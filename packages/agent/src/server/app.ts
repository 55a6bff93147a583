// The agent's HTTP(S) API. /health is the one unauthenticated route; stack
// actions stream newline-delimited JSON and end with a `result` event.
import { createServer as createHttpServer, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import {
  ActionRequest,
  type AgentHealth,
  ChecksRequest,
  DeployRequest,
  HealRequest,
  ImageUpdateRequest,
  LogBatchRequest,
  AgentLogsQuery as LogsQuery,
  NetworksApplyRequest,
  NodeLabelsRequest,
  type PollReply,
  PollRequest,
  StackAction,
  StatusesRequest,
  TugError,
} from "@tugboat/protocol";
import { runChecks } from "../checks/run-checks.js";
import type { ComposeRunner } from "../compose/runner.js";
import type { DockerEngine } from "../docker/engine.js";
import { hostInfo } from "../host/info.js";
import type { StatsSampler } from "../host/stats.js";
import type { LogShipper } from "../logs/log-shipper.js";
import type { PreparedAction, Stacks } from "../stacks/stacks.js";
import { tagged } from "../stacks/status-tags.js";
import { applyNetworks, applyNodeLabels } from "../swarm/apply.js";
import { readSwarm } from "../swarm/swarm-read.js";
import { receiveBuild, rollBack, type UpgradeOptions } from "../upgrade/self-upgrade.js";
import { checkRequest } from "./auth.js";
import { Router } from "./router.js";

export interface AppOptions {
  version: string;
  passkey: string;
  allowedIps: readonly string[];
  tls?: { key: string; cert: string; fingerprint: string };
  engine: DockerEngine;
  stacks: Stacks;
  stats: StatsSampler;
  logs: LogShipper;
  compose: () => Promise<ComposeRunner | undefined>;
  /** Where core's own container id (x-tugboat-core-container, from an authenticated request) is noted. */
  coreContainers: Set<string>;
  /** Self-upgrade; `restart` ends the process for its supervisor to start the new build. */
  upgrade: UpgradeOptions & { restart: () => void };
}

type Schema<T> = {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
};

function parse<T>(schema: Schema<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TugError(
      "E_INVALID_REQUEST",
      `invalid request: ${issue?.path.map(String).join(".") || "body"} ${issue?.message}`,
    );
  }
  return result.data;
}

/** How long core's idle connection is kept: past the 15 s between its status rounds, and a minute more. */
const IDLE_CONNECTION_MS = 65_000;

/** Core gives up on a stream that is silent for a minute; an empty line every 10 s says the agent is alive. */
const KEEP_ALIVE_MS = 10_000;

function startStream(res: ServerResponse): { write: (line: unknown) => void; end: () => void } {
  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  const keepAlive = setInterval(() => {
    if (!res.destroyed) res.write("\n");
  }, KEEP_ALIVE_MS);
  const end = () => {
    clearInterval(keepAlive);
    res.end();
  };
  res.once("close", () => clearInterval(keepAlive));
  return {
    write: (line) => {
      if (!res.destroyed) res.write(`${JSON.stringify(line)}\n`);
    },
    end,
  };
}

async function stream(res: ServerResponse, action: PreparedAction): Promise<void> {
  // The action runs to its end even if the caller goes away: a half-run deploy helps nobody.
  const out = startStream(res);
  try {
    await action(out.write);
  } finally {
    out.end();
  }
}

const health = (options: AppOptions): AgentHealth => ({
  status: "ok",
  version: options.version,
  fingerprint: options.tls?.fingerprint ?? "",
});

export function buildServer(options: AppOptions): Server {
  /** The reply goes out first; then the agent exits for its supervisor to start what is now on disk. */
  const upgraded = async (response: ServerResponse, done: Promise<{ from: string; to: string }>) => {
    const result = await done;
    response.once("finish", () => options.upgrade.restart());
    return { ...result, restarting: true };
  };
  const router = new Router()
    .before((request) => {
      if (request.path === "/health") return;
      checkRequest({
        socket: request.raw.socket,
        passkey: options.passkey,
        allowedIps: options.allowedIps,
        remoteAddress: request.remoteAddress,
        authorization: request.headers.authorization,
      });
      const core = request.headers["x-tugboat-core-container"];
      if (typeof core === "string" && /^[0-9a-f]{64}$/.test(core)) options.coreContainers.add(core);
    })
    .on("GET", "/health", async (): Promise<AgentHealth> => health(options))
    .on("POST", "/upgrade", (request, response) => upgraded(response, receiveBuild(request.raw, options.upgrade)))
    .on("POST", "/upgrade/rollback", (_request, response) => upgraded(response, rollBack(options.upgrade)))
    .on("GET", "/info", () =>
      hostInfo({ engine: options.engine, compose: options.compose, agentVersion: options.version }),
    )
    .on("GET", "/stats", async () => options.stats.latest() ?? (await options.stats.collect()))
    .on("POST", "/checks", async (request) => ({
      results: await runChecks(options.engine, parse(ChecksRequest, await request.body())),
    }))
    .on("POST", "/logs/batch", async (request, res) => {
      const body = parse(LogBatchRequest, await request.body());
      // A long-poll: core went away, stop waiting for it.
      const abort = new AbortController();
      res.once("close", () => abort.abort());
      return options.logs.batch(body, abort.signal);
    })
    .on("GET", "/swarm", () => readSwarm(options.engine))
    .on("POST", "/swarm/labels", async (request) => {
      const body = parse(NodeLabelsRequest, await request.body());
      return applyNodeLabels(options.engine, body.nodeLabels);
    })
    .on("POST", "/networks/apply", async (request) => {
      const body = parse(NetworksApplyRequest, await request.body());
      return { networks: await applyNetworks(options.engine, body.networks) };
    })
    .on("POST", "/stacks/:name/deploy", async (request, res) => {
      const body = parse(DeployRequest, await request.body());
      await stream(res, options.stacks.prepareDeploy(request.params.name ?? "", body));
    })
    .on("POST", "/stacks/:name/heal", async (request, res) => {
      const body = parse(HealRequest, await request.body());
      await stream(res, await options.stacks.prepareHeal(request.params.name ?? "", body));
    })
    .on("POST", "/stacks/:name/update-images", async (request, res) => {
      const body = parse(ImageUpdateRequest, await request.body());
      await stream(res, await options.stacks.prepareImageUpdate(request.params.name ?? "", body));
    })
    .on("POST", "/stacks/:name/:action", async (request, res) => {
      const action = parse(StackAction, request.params.action);
      const body = parse(ActionRequest, await request.body());
      await stream(res, await options.stacks.prepareAction(request.params.name ?? "", action, body));
    })
    // A status round's questions in one request; stats that cannot be read leave the rest answered.
    .on("POST", "/poll", async (request): Promise<PollReply> => {
      const body = parse(PollRequest, await request.body());
      const [stats, statuses] = await Promise.all([
        body.stats ? (options.stats.latest() ?? options.stats.collect().catch(() => null)) : null,
        options.stacks.statuses(body.stacks),
      ]);
      const seen = new Map(body.stacks.map((s) => [s.stack, s.seen]));
      return { health: health(options), stats, statuses: tagged(statuses, seen) };
    })
    .on("POST", "/stacks/status", async (request) => ({
      statuses: await options.stacks.statuses(parse(StatusesRequest, await request.body()).stacks),
    }))
    .on("GET", "/stacks/:name/status", (request) =>
      options.stacks.status(request.params.name ?? "", request.query.get("project") ?? undefined),
    )
    .on("GET", "/stacks/:name/logs", async (request, res) => {
      const query = parse(LogsQuery, Object.fromEntries(request.query));
      const abort = new AbortController();
      // The caller went away (the response closed before we ended it): stop following.
      res.once("close", () => abort.abort());
      const lines = options.stacks.logs(request.params.name ?? "", {
        ...(query.service ? { service: query.service } : {}),
        ...(query.tail !== undefined ? { tail: query.tail } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
        follow: query.follow === "1" || query.follow === "true",
        signal: abort.signal,
      });
      const first = await lines.next(); // errors (unknown stack, no containers) surface as HTTP errors
      const out = startStream(res);
      try {
        if (!first.done) out.write(first.value);
        for await (const line of lines) {
          if (res.destroyed) break;
          out.write(line);
        }
      } finally {
        abort.abort();
        out.end();
      }
    });

  const handler = (req: Parameters<Router["handle"]>[0], res: ServerResponse) => {
    // Router.handle answers every error itself; this catch is for a bug in that answer.
    router.handle(req, res).catch(() => res.destroy());
  };
  // A caller must send its whole request promptly; one that trickles it is cut off (checked every second).
  // Core's connection for short requests stays open between its status rounds (15 s apart by
  // default): a TLS handshake per round per host cost core more than the round's requests.
  const limits = {
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: IDLE_CONNECTION_MS,
  };
  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, ...limits }, handler)
    : createHttpServer(limits, handler);
  return server;
}
