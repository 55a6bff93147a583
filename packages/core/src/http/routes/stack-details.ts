// What a stack page shows beyond the stack record: its containers now (from
// the agent), its Compose files, and its container logs (tail, or follow as
// server-sent events). Log lines are masked like everything else core sends.
import {
  LogLineView,
  LogsQuery,
  NameParams,
  StackChecksView,
  StackDiffQuery,
  StackDiffView,
  StackFilesView,
  StackStatus,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { uptimePercent } from "../../checks/uptime.js";
import { checkSeriesOwner } from "../../checks/uptime-checks.js";
import { reconcileSpec } from "../../deploy/stack-spec.js";
import { stackDiff } from "../../sync/stack-diff.js";
import { readStackFiles } from "../../sync/stack-files.js";
import type { CoreContext } from "../context.js";
import { openEventStream } from "../event-stream.js";

/** A log tail is read within this long; a follow stream lasts until the client leaves. */
const TAIL_TIMEOUT_MS = 30_000;

export async function stackDetailRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const stackOf = async (name: string) => {
    const stack = await ctx.stacks.get(name);
    if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${name}"`);
    const client = await ctx.agents.client(stack.server);
    if (!client) throw new TugError("E_AGENT_UNREACHABLE", `server "${stack.server}" has no agent configured`);
    return { stack, client };
  };

  api.get(
    "/api/stacks/:name/status",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: {
        summary: "The stack's containers now, from its agent",
        params: NameParams,
        response: { 200: StackStatus },
      },
    },
    async (request) => {
      const { stack, client } = await stackOf(request.params.name);
      return client.status(stack.name, stack.project);
    },
  );

  api.get(
    "/api/stacks/:name/checks",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: {
        summary: "The stack's uptime checks: last result, uptime over 24 h, 7 d and 30 d, latency of the last 24 h",
        params: NameParams,
        response: { 200: StackChecksView },
      },
    },
    async (request) => {
      const stack = await ctx.stacks.get(request.params.name);
      if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${request.params.name}"`);
      const now = Math.floor(Date.now() / 1000);
      const owner = checkSeriesOwner(stack.name);
      const { metrics, retention } = ctx.observability;
      const checks = await Promise.all(
        reconcileSpec(stack.spec).checks.map(async (check) => {
          const over = (seconds: number) =>
            uptimePercent({
              store: metrics,
              owner,
              check: check.name,
              intervalSeconds: check.intervalSeconds,
              from: now - seconds,
              now,
              retention,
            });
          return {
            name: check.name,
            ...(check.service ? { service: check.service } : {}),
            kind: check.kind,
            target: check.target,
            intervalSeconds: check.intervalSeconds,
            failures: check.failures,
            last: ctx.checks.latest.get(`${stack.name}/${check.name}`) ?? null,
            uptime: { day: await over(86_400), week: await over(7 * 86_400), month: await over(30 * 86_400) },
          };
        }),
      );
      const latency = await metrics.columns(owner, "raw", now - 86_400, now + 1, (key) => key.endsWith(".ms"));
      return {
        checks,
        latency: {
          timestamps: latency.timestamps,
          series: Object.fromEntries(
            Object.entries(latency.series).map(([key, columns]) => [key.replace(/\.ms$/, ""), columns.avg]),
          ),
        },
      };
    },
  );

  api.get(
    "/api/stacks/:name/files",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: {
        summary: "The stack's Compose files at its deployed commit",
        params: NameParams,
        response: { 200: StackFilesView },
      },
    },
    (request) => readStackFiles({ stacks: ctx.stacks, syncs: ctx.syncs, mirrors: ctx.mirrors }, request.params.name),
  );

  api.get(
    "/api/stacks/:name/diff",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: {
        summary:
          "What changes between two commits (default: the deployed one and the branch head): every file the deploy reads, and the environment by key",
        params: NameParams,
        querystring: StackDiffQuery,
        response: { 200: StackDiffView },
      },
    },
    (request) =>
      stackDiff({ stacks: ctx.stacks, syncs: ctx.syncs, history: ctx.engine.history }, request.params.name, {
        ...(request.query.from ? { from: request.query.from } : {}),
        ...(request.query.to ? { to: request.query.to } : {}),
      }),
  );

  api.get(
    "/api/stacks/:name/logs",
    {
      config: { access: { kind: "stack", level: "Read", specific: "Logs" } },
      schema: {
        summary: "Container log lines (follow=1: server-sent events of the same lines)",
        params: NameParams,
        querystring: LogsQuery,
        response: { 200: z.array(LogLineView) },
      },
    },
    async (request, reply) => {
      const { stack, client } = await stackOf(request.params.name);
      const { tail, service } = request.query;
      const follow = request.query.follow === "1" || request.query.follow === "true";
      const mask = (line: LogLineView) => ({ ...line, line: ctx.masker.mask(line.line) });
      if (!follow) {
        const lines: LogLineView[] = [];
        await client.logs({
          stack: stack.name,
          ...(service ? { service } : {}),
          tail,
          follow: false,
          signal: AbortSignal.timeout(TAIL_TIMEOUT_MS),
          onLine: (line) => lines.push(mask(line)),
        });
        return lines;
      }
      const stream = await openEventStream(request, reply, ctx.masker);
      await client
        .logs({
          stack: stack.name,
          ...(service ? { service } : {}),
          tail,
          follow: true,
          signal: stream.signal,
          onLine: (line) => stream.send(mask(line)),
        })
        .catch((error: Error) => stream.send({ message: error.message }, "error"));
      stream.end();
      return reply;
    },
  );
}
