// Core's HTTP server: the API, webhooks, and one place that turns errors into responses.

import { fileURLToPath } from "node:url";
import rateLimit from "@fastify/rate-limit";
import { TugError } from "@tugboat/protocol";
import Fastify, { type FastifyInstance } from "fastify";
import type { CoreContext } from "./context.js";
import { apiRoutes } from "./routes/api.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { observabilityRoutes } from "./routes/observability.js";
import { stackDetailRoutes } from "./routes/stack-details.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { serveUi } from "./static-ui.js";

export async function buildApp(ctx: CoreContext): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 2 * 1024 * 1024 });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TugError("E_RATE_LIMITED", `too many attempts; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof TugError) return reply.status(error.status).send(error.toBody());
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status < 500)
      return reply.status(status).send({ error: { code: "E_INVALID_REQUEST", message: (error as Error).message } });
    return reply.status(500).send({ error: { code: "E_INTERNAL", message: (error as Error).message } });
  });
  await apiRoutes(app, ctx);
  await observabilityRoutes(app, ctx);
  await dashboardRoutes(app, ctx);
  await stackDetailRoutes(app, ctx);
  await webhookRoutes(app, ctx);
  await serveUi(app, ctx.config.ui_dir || fileURLToPath(new URL("../../../web/dist", import.meta.url)));
  return app;
}
