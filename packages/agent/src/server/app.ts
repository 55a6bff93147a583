// The agent's HTTP(S) API. /health is the one unauthenticated route; stack
// actions stream newline-delimited JSON and end with a `result` event.
import { createServer as createHttpServer, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { ActionRequest, type AgentHealth, DeployRequest, StackAction, TugError } from "@tugboat/protocol";
import type { ComposeRunner } from "../compose/runner.js";
import type { DockerEngine } from "../docker/engine.js";
import { hostInfo } from "../host/info.js";
import type { StatsSampler } from "../host/stats.js";
import type { PreparedAction, Stacks } from "../stacks/stacks.js";
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
  compose: () => Promise<ComposeRunner | undefined>;
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

function startStream(res: ServerResponse): (line: unknown) => void {
  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  return (line) => {
    if (!res.destroyed) res.write(`${JSON.stringify(line)}\n`);
  };
}

async function stream(res: ServerResponse, action: PreparedAction): Promise<void> {
  // The action runs to its end even if the caller goes away: a half-run deploy helps nobody.
  await action(startStream(res));
  res.end();
}

export function buildServer(options: AppOptions): Server {
  const router = new Router()
    .before((request) => {
      if (request.path === "/health") return;
      checkRequest({
        passkey: options.passkey,
        allowedIps: options.allowedIps,
        remoteAddress: request.remoteAddress,
        authorization: request.headers.authorization,
      });
    })
    .on(
      "GET",
      "/health",
      async (): Promise<AgentHealth> => ({
        status: "ok",
        version: options.version,
        fingerprint: options.tls?.fingerprint ?? "",
      }),
    )
    .on("GET", "/info", () =>
      hostInfo({ engine: options.engine, compose: options.compose, agentVersion: options.version }),
    )
    .on("GET", "/stats", async () => options.stats.latest() ?? (await options.stats.collect()))
    .on("POST", "/stacks/:name/deploy", async (request, res) => {
      const body = parse(DeployRequest, await request.body());
      await stream(res, options.stacks.prepareDeploy(request.params.name ?? "", body));
    })
    .on("POST", "/stacks/:name/:action", async (request, res) => {
      const action = parse(StackAction, request.params.action);
      const body = parse(ActionRequest, await request.body());
      await stream(res, await options.stacks.prepareAction(request.params.name ?? "", action, body));
    })
    .on("GET", "/stacks/:name/status", (request) =>
      options.stacks.status(request.params.name ?? "", request.query.get("project") ?? undefined),
    )
    .on("GET", "/stacks/:name/logs", async (request, res) => {
      const q = request.query;
      const abort = new AbortController();
      const service = q.get("service");
      const tail = q.get("tail");
      const since = q.get("since");
      const lines = options.stacks.logs(request.params.name ?? "", {
        ...(service ? { service } : {}),
        ...(tail ? { tail: Number(tail) } : {}),
        ...(since ? { since: Number(since) } : {}),
        follow: q.get("follow") === "1" || q.get("follow") === "true",
        signal: abort.signal,
      });
      const first = await lines.next(); // errors (unknown stack, no containers) surface as HTTP errors
      const write = startStream(res);
      request.raw.on("close", () => abort.abort());
      if (!first.done) write(first.value);
      for await (const line of lines) {
        if (res.destroyed) break;
        write(line);
      }
      res.end();
    });

  const handler = (req: Parameters<Router["handle"]>[0], res: ServerResponse) => {
    void router.handle(req, res);
  };
  return options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : createHttpServer(handler);
}
