// The fleet's stored logs: search (words, filters, time range, context
// lines, pages), a live tail across hosts over server-sent events, export as
// text or NDJSON, and what each server's collector is doing.
import {
  LogContextParams,
  LogContextQuery,
  LogContextView,
  LogExportQuery,
  LogFilterQuery,
  LogSearchQuery,
  LogSearchView,
  LogStatusView,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { roleAllows } from "../../auth/permissions.js";
import { parseQuery } from "../../logs/log-query.js";
import type { LogFilter, StoredLine } from "../../logs/log-store.js";
import { signedIn } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";
import { openEventStream } from "../event-stream.js";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SSE = { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } };

/** An ISO time or `15m` ago, as microseconds since the epoch. */
function micros(when: string | undefined): number | undefined {
  if (when === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(when);
  const ms = relative ? Date.now() - Number(relative[1]) * (UNIT_MS[relative[2] ?? "s"] ?? 1000) : Date.parse(when);
  return ms * 1000;
}

function toFilter(query: z.output<typeof LogFilterQuery>): LogFilter {
  if (query.q && parseQuery(query.q).length > 0 && parseQuery(query.q).every((t) => t.negate))
    throw new TugError("E_INVALID_REQUEST", "a search needs at least one word to find; -word only leaves lines out");
  const since = micros(query.since);
  const until = micros(query.until);
  return {
    ...(query.q ? { query: query.q } : {}),
    ...(query.server ? { servers: query.server } : {}),
    ...(query.stack ? { stacks: query.stack } : {}),
    ...(query.service ? { services: query.service } : {}),
    ...(query.container ? { containers: query.container } : {}),
    ...(query.stream ? { streams: [query.stream] } : {}),
    ...(query.level ? { levels: query.level } : {}),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

/** A stored line as the API shows it: its time as ISO with microseconds. */
function lineView(line: StoredLine) {
  const ms = Math.floor(line.at / 1000);
  const iso = new Date(ms).toISOString().replace(/Z$/, `${String(line.at % 1000).padStart(3, "0")}Z`);
  return { ...line, at: iso };
}

export async function logRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { store, tail } = ctx.logs;
  /** The stacks whose logs the caller may read. */
  const readable = async (request: FastifyRequest) => {
    // A role that reads every stack's logs needs no list of them (every log request comes here).
    if (roleAllows(signedIn(request).role, "Read", "Logs")) return { all: true, allowed: new Set<string>() };
    const stacks = (await ctx.stacks.list()).map((s) => s.name);
    const allowed = await ctx.access.filter(signedIn(request), "stack", stacks, (s) => s, "Logs");
    return { all: allowed.length === stacks.length, allowed: new Set(allowed) };
  };
  /** The filter narrowed to those stacks (the stack name "" matches nothing). */
  const scoped = async (request: FastifyRequest, filter: LogFilter): Promise<LogFilter> => {
    const { all, allowed } = await readable(request);
    if (all) return filter;
    // A stack asked for by name that the caller may not read is refused, not quietly left out.
    const denied = (filter.stacks ?? []).filter((stack) => !allowed.has(stack));
    if (denied.length > 0)
      throw new TugError(
        "E_FORBIDDEN",
        `${signedIn(request).username} may not read the logs of ${denied.join(", ")}: it needs Read with Logs`,
      );
    const stacks = filter.stacks ?? [...allowed];
    return { ...filter, stacks: stacks.length > 0 ? stacks : [""] };
  };

  api.get(
    "/api/logs",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Search the fleet's logs: words, filters, time range; newest page first, in time order, with context",
        querystring: LogSearchQuery,
        response: { 200: LogSearchView },
      },
    },
    async (request) => {
      const { limit, before, context } = request.query;
      const page = await store.search(await scoped(request, toFilter(request.query)), {
        limit,
        ...(before ? { before } : {}),
      });
      const lines = await Promise.all(
        page.lines.map(async (line) => {
          if (context === 0) return lineView(line);
          const around = await store.context(line.id, context);
          return {
            ...lineView(line),
            context: { before: around.before.map(lineView), after: around.after.map(lineView) },
          };
        }),
      );
      return { lines, next: page.next };
    },
  );

  api.get(
    "/api/logs/:id/context",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "A stored line with the lines its container logged just before and after it",
        params: LogContextParams,
        querystring: LogContextQuery,
        response: { 200: LogContextView },
      },
    },
    async (request) => {
      const found = await store.get(request.params.id);
      const scope = found ? await readable(request) : undefined;
      const line = found && (scope?.all || scope?.allowed.has(found.stack)) ? found : undefined;
      if (!line)
        throw new TugError("E_NOT_FOUND", `no stored log line ${request.params.id} (retention may have removed it)`);
      const around = await store.context(line.id, request.query.lines);
      return { line: lineView(line), before: around.before.map(lineView), after: around.after.map(lineView) };
    },
  );

  api.get(
    "/api/logs/tail",
    {
      config: { access: "signed-in" },
      schema: {
        summary:
          "Live tail across hosts and stacks (server-sent events `lines`, and `dropped` when the reader fell behind)",
        querystring: LogFilterQuery,
        response: { 200: SSE },
      },
    },
    async (request, reply) => {
      const filter = await scoped(request, toFilter(request.query));
      const stream = await openEventStream(request, reply, ctx.masker);
      const subscriber = tail.subscribe(filter, () => {
        const { lines, dropped } = subscriber.take();
        if (lines.length > 0) stream.send(lines.map(lineView), "lines");
        if (dropped > 0) stream.send({ dropped }, "dropped");
      });
      stream.signal.addEventListener("abort", () => subscriber.close(), { once: true });
    },
  );

  api.get(
    "/api/logs/export",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Export matching lines in time order, as text (`time server/stack/service line`) or NDJSON",
        querystring: LogExportQuery,
        response: { 200: { description: "the lines", content: { "text/plain": { schema: z.string() } } } },
      },
    },
    async (request, reply) => {
      const filter = await scoped(request, toFilter(request.query));
      // Newest `limit` lines, written oldest first: pages are read back in time, then reversed.
      const pages: StoredLine[][] = [];
      let before: string | null = null;
      let left = request.query.limit;
      do {
        const page = await store.search(filter, { limit: Math.min(left, 1_000), ...(before ? { before } : {}) });
        pages.push(page.lines);
        left -= page.lines.length;
        before = page.next;
      } while (before && left > 0);
      const ndjson = request.query.format === "ndjson";
      reply.header("content-type", ndjson ? "application/x-ndjson" : "text/plain; charset=utf-8");
      reply.header("content-disposition", `attachment; filename="tugboat-logs.${ndjson ? "ndjson" : "log"}"`);
      const out = pages
        .reverse()
        .flat()
        .map((line) => {
          const view = lineView(line);
          return ndjson ? JSON.stringify(view) : `${view.at} ${view.server}/${view.stack}/${view.service} ${view.line}`;
        });
      return reply.send(out.length > 0 ? `${out.join("\n")}\n` : "");
    },
  );

  api.get(
    "/api/logs/status",
    {
      config: { access: { role: "viewer" } },
      schema: { summary: "The log store's size and each server's collector", response: { 200: LogStatusView } },
    },
    async () => {
      const { bytes, rows } = await store.size();
      return {
        store: {
          bytes,
          lines: rows,
          maxBytes: ctx.config.log_max_bytes,
          retentionDays: ctx.config.log_retention_days,
        },
        servers: ctx.logs.collectors.states(),
      };
    },
  );
}
