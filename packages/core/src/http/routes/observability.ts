// Metrics history, alerts, alerters and the Prometheus exposition.
import {
  AlertDetailView,
  AlerterView,
  AlertsQuery,
  AlertView,
  DeliveryView,
  IdParams,
  NameParams,
  StatsQuery,
  StatsView,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { CONTAINER_PREFIX, stackPrefix } from "../../metrics/series.js";
import { queryStats } from "../../metrics/stats-query.js";
import { signedIn } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

function instant(value: string | undefined, fallback: number, field: string): number {
  if (value === undefined || value === "") return fallback;
  const seconds = /^\d+$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds))
    throw new TugError("E_INVALID_REQUEST", `${field}: give unix seconds or an ISO 8601 time`);
  return Math.floor(seconds);
}

function range(query: z.output<typeof StatsQuery>) {
  const now = Math.floor(Date.now() / 1000);
  const to = instant(query.to, now, "to");
  const from = instant(query.from, to - 3600, "from");
  if (from >= to) throw new TugError("E_INVALID_REQUEST", "from must be before to");
  return { ...query, from, to, now };
}

export async function observabilityRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const { metrics, alerts, delivery, exposition, retention } = ctx.observability;
  const api = app.withTypeProvider<ZodTypeProvider>();

  // Prometheus scrapes with an API key: `authorization: Bearer tgk_…`.
  api.get(
    "/metrics",
    {
      config: { access: { role: "viewer" } },
      schema: {
        summary: "Prometheus exposition format",
        response: { 200: { description: "text/plain", content: { "text/plain": { schema: z.string() } } } },
      },
    },
    async (_request, reply) => reply.header("content-type", exposition.contentType).send(await exposition.metrics()),
  );

  api.get(
    "/api/servers/:name/stats",
    {
      config: { access: { kind: "server", level: "Read" } },
      schema: {
        summary: "Host (and container) metrics history of a server",
        params: NameParams,
        querystring: StatsQuery,
        response: { 200: StatsView },
      },
    },
    async (request) => {
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
    },
  );

  api.get(
    "/api/stacks/:name/stats",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: {
        summary: "CPU and memory history of a stack's containers",
        params: NameParams,
        querystring: StatsQuery.omit({ series: true }),
        response: { 200: StatsView },
      },
    },
    async (request) => {
      const stack = await ctx.stacks.get(request.params.name);
      if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${request.params.name}"`);
      const prefix = stackPrefix(stack.project);
      return queryStats({
        store: metrics,
        server: stack.server,
        retention,
        ...range({ ...request.query, series: "all" }),
        keep: (key) => key.startsWith(prefix),
        rename: (key) => key.slice(prefix.length),
      });
    },
  );

  api.get(
    "/api/alerts",
    {
      config: { access: "signed-in" },
      schema: { summary: "Alerts, newest first", querystring: AlertsQuery, response: { 200: z.array(AlertView) } },
    },
    async (request) => {
      const { status, type, target, limit } = request.query;
      const listed = await alerts.list({
        ...(status === "all" ? {} : { status }),
        ...(type ? { type } : {}),
        ...(target ? { target } : {}),
        limit,
      });
      return ctx.access.filterTargets(signedIn(request), listed, (a) => ({ kind: a.targetKind, name: a.targetName }));
    },
  );
  api.get(
    "/api/alerts/:id",
    {
      config: { access: "signed-in" },
      schema: { summary: "One alert and its deliveries", params: IdParams, response: { 200: AlertDetailView } },
    },
    async (request) => {
      const found = await alerts.get(request.params.id);
      const [alert] = found
        ? await ctx.access.filterTargets(signedIn(request), [found], (a) => ({
            kind: a.targetKind,
            name: a.targetName,
          }))
        : [];
      if (!alert) throw new TugError("E_NOT_FOUND", `no alert ${request.params.id}`);
      return { ...alert, deliveries: await alerts.deliveries({ alertId: alert.id }) };
    },
  );

  api.get(
    "/api/alerters",
    {
      config: { access: { role: "viewer" } },
      schema: { summary: "Configured alerters (their params stay in core)", response: { 200: z.array(AlerterView) } },
    },
    () =>
      delivery.list().map((a) => ({
        name: a.name,
        type: a.config.endpoint.type,
        enabled: a.config.enabled,
        alertTypes: a.config.alert_types,
      })),
  );
  api.post(
    "/api/alerters/:name/test",
    {
      config: { access: { role: "admin" } },
      schema: { summary: "Send a test alert through one alerter", params: NameParams, response: { 200: DeliveryView } },
    },
    async (request) => {
      if (!delivery.list().some((a) => a.name === request.params.name))
        throw new TugError("E_NOT_FOUND", `no alerter named "${request.params.name}"`);
      return delivery.test(request.params.name);
    },
  );
}
