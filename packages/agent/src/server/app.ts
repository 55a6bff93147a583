// The agent's HTTP(S) API. /health is the one unauthenticated route; stack
// actions stream newline-delimited JSON and end with a `result` event.

import { ActionRequest, type AgentHealth, DeployRequest, StackAction, TugError } from "@tugboat/protocol";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { ComposeRunner } from "../compose/runner.js";
import type { DockerEngine } from "../docker/engine.js";
import { hostInfo } from "../host/info.js";
import type { StatsSampler } from "../host/stats.js";
import type { PreparedAction, Stacks } from "../stacks/stacks.js";
import { checkRequest } from "./auth.js";

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

function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  value: unknown,
): T {
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

async function stream(reply: FastifyReply, action: PreparedAction): Promise<void> {
  reply.hijack();
  reply.raw.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  // The action runs to its end even if the caller goes away: a half-run deploy helps nobody.
  await action((event) => {
    if (!reply.raw.destroyed) reply.raw.write(`${JSON.stringify(event)}\n`);
  });
  reply.raw.end();
}

export function buildApp(options: AppOptions): FastifyInstance {
  // Typed as the plain-HTTP instance: routes and hooks are the same over TLS.
  const app = (options.tls
    ? Fastify({ https: { key: options.tls.key, cert: options.tls.cert }, bodyLimit: 8 * 1024 * 1024 })
    : Fastify({ bodyLimit: 8 * 1024 * 1024 })) as unknown as FastifyInstance;

  app.addHook("onRequest", async (request) => {
    if (request.url === "/health") return;
    checkRequest({
      passkey: options.passkey,
      allowedIps: options.allowedIps,
      remoteAddress: request.socket.remoteAddress,
      authorization: request.headers.authorization,
    });
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof TugError) return reply.status(error.status).send(error.toBody());
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status < 500) {
      return reply.status(status).send({ error: { code: "E_INVALID_REQUEST", message: (error as Error).message } });
    }
    return reply.status(500).send({ error: { code: "E_INTERNAL", message: (error as Error).message } });
  });

  app.get(
    "/health",
    async (): Promise<AgentHealth> => ({
      status: "ok",
      version: options.version,
      fingerprint: options.tls?.fingerprint ?? "",
    }),
  );

  app.get("/info", () => hostInfo({ engine: options.engine, compose: options.compose, agentVersion: options.version }));

  app.get("/stats", async () => options.stats.latest() ?? (await options.stats.collect()));

  app.post<{ Params: { name: string } }>("/stacks/:name/deploy", async (request, reply) => {
    const body = parse(DeployRequest, request.body);
    await stream(reply, options.stacks.prepareDeploy(request.params.name, body));
  });

  app.post<{ Params: { name: string; action: string } }>("/stacks/:name/:action", async (request, reply) => {
    const action = parse(StackAction, request.params.action);
    const body = parse(ActionRequest, request.body);
    await stream(reply, await options.stacks.prepareAction(request.params.name, action, body));
  });

  app.get<{ Params: { name: string }; Querystring: { project?: string } }>("/stacks/:name/status", (request) =>
    options.stacks.status(request.params.name, request.query.project),
  );

  app.get<{
    Params: { name: string };
    Querystring: { service?: string; tail?: string; since?: string; follow?: string };
  }>("/stacks/:name/logs", async (request, reply) => {
    const { service, tail, since, follow } = request.query;
    const abort = new AbortController();
    const lines = options.stacks.logs(request.params.name, {
      ...(service ? { service } : {}),
      ...(tail ? { tail: Number(tail) } : {}),
      ...(since ? { since: Number(since) } : {}),
      follow: follow === "1" || follow === "true",
      signal: abort.signal,
    });
    const first = await lines.next(); // errors (unknown stack, no containers) surface as HTTP errors
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    request.raw.on("close", () => abort.abort());
    if (!first.done) reply.raw.write(`${JSON.stringify(first.value)}\n`);
    for await (const line of lines) {
      if (reply.raw.destroyed) break;
      reply.raw.write(`${JSON.stringify(line)}\n`);
    }
    reply.raw.end();
  });

  return app;
}
