// Shells in containers (admins): a single-use ticket, then the WebSocket the
// ticket opens, bridged to the agent's exec of the stack's service.
import { NameParams, ShellSocketQuery, ShellTicketRequest, ShellTicketView, TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited } from "../audit.js";
import { triggerOf } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

export async function shellRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    "/api/stacks/:name/shell",
    {
      config: { access: { kind: "stack", level: "Execute", specific: "Terminal" } },
      schema: {
        summary: "A single-use ticket (30 s) for a shell in a service's running container; recorded as an update",
        params: NameParams,
        body: ShellTicketRequest,
        response: { 200: ShellTicketView },
      },
    },
    async (request) => {
      const stack = await ctx.stacks.get(request.params.name);
      if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${request.params.name}"`);
      const { ticket, expiresAt } = ctx.shells.issue(stack, { ...request.body, trigger: triggerOf(request) });
      await audited(ctx, request, "terminal.open", stack.name, { service: request.body.service });
      return {
        ticket,
        expiresAt,
        path: `/api/stacks/${encodeURIComponent(stack.name)}/shell?ticket=${encodeURIComponent(ticket)}`,
      };
    },
  );

  api.get(
    "/api/stacks/:name/shell",
    {
      // The ticket is the credential: browsers send no headers with a WebSocket.
      config: { access: "public" },
      websocket: true,
      schema: {
        summary:
          "The shell (WebSocket): binary frames are the terminal, text frames JSON control ({type: resize, cols, rows}); closes with {exitCode}",
        params: NameParams,
        querystring: ShellSocketQuery,
        response: { 101: z.object({}).describe("switching to the WebSocket") },
      },
    },
    (socket, request) => {
      ctx.background(
        `shell in ${request.params.name}`,
        ctx.shells.open(request.params.name, request.query.ticket, socket),
      );
    },
  );
}
