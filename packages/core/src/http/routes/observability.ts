// Metrics history, alerts, alerters and the Prometheus exposition.
import { StatsQuery, TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import { CONTAINER_PREFIX, stackPrefix } from "../../metrics/series.js";
import { queryStats } from "../../metrics/stats-query.js";
import { authenticate, requireRole } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

function instant(value: string | undefined, fallback: number, field: string): number {
  if (value === undefined || value === "") return fallback;
  const seconds = /^\d+$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds))
    throw new TugError("E_INVALID_REQUEST", `${field}: give unix seconds or an ISO 8601 time`);
  return Math.floor(seconds);
}

function range(query: unknown) {
  const parsed = StatsQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TugError("E_INVALID_REQUEST", `${issue?.path.join(".")}: ${issue?.message}`);
  }
  const now = Math.floor(Date.now() / 1000);
  const to = instant(parsed.data.to, now, "to");
  const from = instant(parsed.data.from, to - 3600, "from");
  if (from >= to) throw new TugError("E_INVALID_REQUEST", "from must be before to");
  return { ...parsed.data, from, to, now };
}

export async function observabilityRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const { metrics, alerts, delivery, registry, retention } = ctx.observability;
  await app.register(async (secured) => {
    secured.addHook("onRequest", authenticate(ctx.users));
    const viewer = { preHandler: requireRole("viewer") };
    const admin = { preHandler: requireRole("admin") };

    // Prometheus scrapes with an API key: `authorization: Bearer tug_…`.
    secured.get("/metrics", viewer, async (_request, reply) => {
      return reply.header("content-type", registry.contentType).send(await registry.metrics());
    });

    secured.get<{ Params: { name: string } }>("/api/servers/:name/stats", viewer, async (request) => {
      const server = await ctx.servers.get(request.params.name);
      if (!server) throw new TugError("E_NOT_FOUND", `no server named "${request.params.name}"`);
      const q = range(request.query);
      const keep =
        q.series === "all"
          ? undefined
          : q.series === "containers"
            ? (key: string) => key.startsWith(CONTAINER_PREFIX)
            : (key: string) => !key.startsWith(CONTAINER_PREFIX);
      return queryStats({ store: metrics, server: server.name, retention, ...q, ...(keep ? { keep } : {}) });
    });

    secured.get<{ Params: { name: string } }>("/api/stacks/:name/stats", viewer, async (request) => {
      const stack = await ctx.stacks.get(request.params.name);
      if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${request.params.name}"`);
      const prefix = stackPrefix(stack.project);
      return queryStats({
        store: metrics,
        server: stack.server,
        retention,
        ...range(request.query),
        keep: (key) => key.startsWith(prefix),
        rename: (key) => key.slice(prefix.length),
      });
    });

    secured.get<{ Querystring: { status?: string; type?: string; target?: string; limit?: string } }>(
      "/api/alerts",
      viewer,
      async (request) => {
        const { status, type, target, limit } = request.query;
        if (status && status !== "open" && status !== "resolved" && status !== "all")
          throw new TugError("E_INVALID_REQUEST", "status is open, resolved or all");
        return alerts.list({
          ...(status === "open" || status === "resolved" ? { status } : {}),
          ...(type ? { type } : {}),
          ...(target ? { target } : {}),
          limit: Math.min(Number(limit ?? 100) || 100, 1000),
        });
      },
    );
    secured.get<{ Params: { id: string } }>("/api/alerts/:id", viewer, async (request) => {
      const alert = await alerts.get(request.params.id);
      if (!alert) throw new TugError("E_NOT_FOUND", `no alert ${request.params.id}`);
      return { ...alert, deliveries: await alerts.deliveries({ alertId: alert.id }) };
    });

    secured.get("/api/alerters", viewer, () =>
      delivery.list().map((a) => ({
        name: a.name,
        type: a.config.endpoint.type,
        enabled: a.config.enabled,
        alertTypes: a.config.alert_types,
      })),
    );
    secured.post<{ Params: { name: string } }>("/api/alerters/:name/test", admin, async (request) => {
      if (!delivery.list().some((a) => a.name === request.params.name))
        throw new TugError("E_NOT_FOUND", `no alerter named "${request.params.name}"`);
      return delivery.test(request.params.name);
    });
  });
}
