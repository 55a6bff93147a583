// What a stack page shows beyond the stack record: its containers now (from
// the agent), its Compose files, and its container logs (tail, or follow as
// server-sent events).
import { TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import { readStackFiles } from "../../sync/stack-files.js";
import { authenticate, requireRole } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

export async function stackDetailRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const stackOf = async (name: string) => {
    const stack = await ctx.stacks.get(name);
    if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${name}"`);
    const client = await ctx.agents.client(stack.server);
    if (!client) throw new TugError("E_AGENT_UNREACHABLE", `server "${stack.server}" has no agent configured`);
    return { stack, client };
  };
  await app.register(async (secured) => {
    secured.addHook("onRequest", authenticate(ctx.users));
    const viewer = { preHandler: requireRole("viewer") };

    secured.get<{ Params: { name: string } }>("/api/stacks/:name/status", viewer, async (request) => {
      const { stack, client } = await stackOf(request.params.name);
      return client.status(stack.name, stack.project);
    });

    secured.get<{ Params: { name: string } }>("/api/stacks/:name/files", viewer, (request) =>
      readStackFiles({ stacks: ctx.stacks, syncs: ctx.syncs, mirrors: ctx.mirrors }, request.params.name),
    );

    secured.get<{ Params: { name: string }; Querystring: { tail?: string; follow?: string; service?: string } }>(
      "/api/stacks/:name/logs",
      viewer,
      async (request, reply) => {
        const { stack, client } = await stackOf(request.params.name);
        const tail = Math.min(Math.max(Number(request.query.tail ?? 200) || 200, 1), 5000);
        const follow = request.query.follow === "1" || request.query.follow === "true";
        const service = request.query.service;
        if (!follow) {
          const lines: unknown[] = [];
          await client.logs({
            stack: stack.name,
            ...(service ? { service } : {}),
            tail,
            follow: false,
            signal: AbortSignal.timeout(30_000),
            onLine: (line) => lines.push(line),
          });
          return lines;
        }
        const abort = new AbortController();
        request.raw.on("close", () => abort.abort());
        reply.hijack();
        reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
        await client
          .logs({
            stack: stack.name,
            ...(service ? { service } : {}),
            tail,
            follow: true,
            signal: abort.signal,
            onLine: (line) => reply.raw.write(`data: ${JSON.stringify(line)}\n\n`),
          })
          .catch((error: Error) =>
            reply.raw.write(`event: error\ndata: ${JSON.stringify({ message: error.message })}\n\n`),
          );
        reply.raw.end();
        return reply;
      },
    );
  });
}
