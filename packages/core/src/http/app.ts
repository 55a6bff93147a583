// Core's HTTP server: every route declares its params, query, body and reply
// with zod (replies are serialized through their schema, so nothing
// undeclared leaves core), OpenAPI is generated from those routes, one hook
// checks roles, and one place turns errors into responses.
import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import websocket from "@fastify/websocket";
import { GitError } from "@tugboat/git";
import { TugError } from "@tugboat/protocol";
import Fastify, { type FastifyInstance } from "fastify";
import {
  createSerializerCompiler,
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  validatorCompiler,
} from "fastify-type-provider-zod";
import { API_PATHS, authorize, describeAccess, type RouteAccess } from "./auth-hooks.js";
import type { CoreContext } from "./context.js";
import { agentLinkRoutes } from "./routes/agent-links.js";
import { apiRoutes } from "./routes/api.js";
import { authRoutes } from "./routes/auth.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { imageRoutes } from "./routes/images.js";
import { logRoutes } from "./routes/logs.js";
import { observabilityRoutes } from "./routes/observability.js";
import { oidcRoutes } from "./routes/oidc.js";
import { operationsRoutes } from "./routes/operations.js";
import { shellRoutes } from "./routes/shell.js";
import { stackDetailRoutes } from "./routes/stack-details.js";
import { swarmRoutes } from "./routes/swarms.js";
import { userRoutes } from "./routes/users.js";
import { variableRoutes } from "./routes/variables.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { serveUi } from "./static-ui.js";

/** One route of the API as declared: what the inventory test checks. */
export interface RouteInfo {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  /** Status codes with a declared reply schema. */
  replies: string[];
  /** Its reply is a server-sent event stream that stays open. */
  live: boolean;
}

export async function buildApp(ctx: CoreContext): Promise<{ app: FastifyInstance; routes: RouteInfo[] }> {
  const app = Fastify({
    bodyLimit: 2 * 1024 * 1024,
    // A client that trickles its request is cut off; idle keep-alive sockets are closed.
    requestTimeout: ctx.config.request_timeout_seconds * 1000,
    // Node checks those deadlines only this often (30 s by default).
    http: {
      connectionsCheckingInterval: 1000,
      headersTimeout: Math.min(10_000, ctx.config.request_timeout_seconds * 1000),
    },
    connectionTimeout: 120_000,
    keepAliveTimeout: 10_000,
    // Closing core ends open event streams instead of waiting for them.
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  const routes: RouteInfo[] = [];
  app.addHook("onRoute", (route) => {
    if (!API_PATHS.test(route.url) || route.method === "HEAD") return;
    const replies = (route.schema?.response as Record<string, { content?: object }> | undefined) ?? {};
    const live = Object.values(replies).some(
      (reply) => reply.content !== undefined && "text/event-stream" in reply.content,
    );
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      routes.push({ method, url: route.url, access: route.config?.access, replies: Object.keys(replies), live });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  // Every string of every reply goes through the masker: a secret value never leaves core.
  const encode = createSerializerCompiler({});
  const masked: typeof encode = (route) => {
    const toJson = encode(route);
    return (data) => ctx.masker.maskJson(toJson(data));
  };
  app.setSerializerCompiler(masked);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Tugboat core API", version: ctx.version },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: (document) => {
      const transformed = jsonSchemaTransform(document);
      const access = document.route.config?.access;
      const schema = transformed.schema as Record<string, unknown>;
      if (access && access !== "public" && access !== "webhook") {
        schema.security = [{ bearer: [] }];
        schema["x-tugboat-access"] = access;
        const needs =
          access === "signed-in" ? "Any user; lists only what they may read." : `Needs ${describeAccess(access)}.`;
        schema.description = [needs, schema.description].filter(Boolean).join(" ");
      }
      return transformed;
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TugError("E_RATE_LIMITED", `too many attempts; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(cookie);
  app.addHook("onRequest", authorize(ctx.sessions, ctx.access));
  app.setErrorHandler((error, _request, reply) => {
    const mask = (text: string) => ctx.masker.mask(text);
    if (error instanceof TugError)
      return reply.status(error.status).send({ error: { code: error.code, message: mask(error.message) } });
    if (error instanceof GitError)
      return reply.status(502).send({ error: { code: "E_GIT_FAILED", message: mask(error.message) } });
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((issue) => {
        const where = [error.validationContext, ...issue.instancePath.split("/").filter(Boolean)].join(".");
        return `${where}: ${issue.message}`;
      });
      return reply.status(400).send({ error: { code: "E_INVALID_REQUEST", message: mask(problems.join("; ")) } });
    }
    if (isResponseSerializationError(error)) {
      ctx.say(`reply of ${error.method} ${error.url} does not match its schema: ${String(error.cause)}`);
      return reply.status(500).send({
        error: { code: "E_INTERNAL", message: `reply of ${error.method} ${error.url} does not match its schema` },
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    const message = mask((error as Error).message);
    if (status && status < 500) return reply.status(status).send({ error: { code: "E_INVALID_REQUEST", message } });
    return reply.status(500).send({ error: { code: "E_INTERNAL", message } });
  });
  await authRoutes(app, ctx);
  await oidcRoutes(app, ctx);
  await userRoutes(app, ctx);
  await operationsRoutes(app, ctx);
  await apiRoutes(app, ctx);
  await agentLinkRoutes(app, ctx);
  await observabilityRoutes(app, ctx);
  await variableRoutes(app, ctx);
  await swarmRoutes(app, ctx);
  await dashboardRoutes(app, ctx);
  await stackDetailRoutes(app, ctx);
  await imageRoutes(app, ctx);
  await logRoutes(app, ctx);
  await shellRoutes(app, ctx);
  await webhookRoutes(app, ctx);
  await serveUi(app, ctx.config.ui_dir || fileURLToPath(new URL("../../../web/dist", import.meta.url)));
  return { app, routes };
}
