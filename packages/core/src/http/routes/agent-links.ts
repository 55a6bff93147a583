// Outbound agents: enrol a server (a new token, shown once), revoke it, and
// see its link.
import { EnrolmentView, LinkView, NameParams, RevokedView, TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { audited } from "../audit.js";
import { signedIn } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

export async function agentLinkRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { tokens, links } = ctx.agentLink;
  const server = async (name: string) => {
    const row = await ctx.servers.get(name);
    if (!row) throw new TugError("E_NOT_FOUND", `no server named "${name}": declare it in Git first`);
    return row;
  };

  api.post(
    "/api/servers/:name/enroll",
    {
      config: { access: { role: "admin" } },
      schema: {
        summary:
          "A new enrolment token for an outbound agent (shown once; replaces the previous one, whose link is cut)",
        params: NameParams,
        response: { 200: EnrolmentView },
      },
    },
    async (request) => {
      const row = await server(request.params.name);
      const token = await tokens.enroll(row.name, signedIn(request).username);
      links.drop(row.name);
      await audited(ctx, request, "agent.enroll", row.name, {});
      const listener = ctx.agentLink.listener;
      const host = ctx.config.public_url
        ? new URL(ctx.config.public_url).hostname
        : request.hostname.replace(/:\d+$/, "");
      const linkUrl = listener ? `wss://${host}:${listener.port}` : "";
      const pin = listener?.fingerprint ? ` --core-fingerprint ${listener.fingerprint}` : "";
      return {
        server: row.name,
        token,
        linkUrl,
        coreFingerprint: listener?.fingerprint ?? "",
        command: `tug agent --core ${linkUrl || "wss://CORE:PORT"} --token-file /etc/tugboat/agent.token${pin}`,
      };
    },
  );

  api.delete(
    "/api/servers/:name/enroll",
    {
      config: { access: { role: "admin" } },
      schema: {
        summary: "Revoke a server's enrolment token: its link is cut and refused from now on",
        params: NameParams,
        response: { 200: RevokedView },
      },
    },
    async (request) => {
      const row = await server(request.params.name);
      const revoked = await tokens.revoke(row.name);
      links.drop(row.name);
      await audited(ctx, request, "agent.revoke", row.name, { revoked });
      return { server: row.name, revoked };
    },
  );

  api.get(
    "/api/servers/:name/link",
    {
      config: { access: { kind: "server", level: "Read" } },
      schema: {
        summary: "How core reaches a server's agent: its enrolment and the outbound link open now",
        params: NameParams,
        response: { 200: LinkView },
      },
    },
    async (request) => {
      const row = await server(request.params.name);
      return {
        server: row.name,
        connection: row.connection,
        enrolled: await tokens.enrolled(row.name),
        linked: links.linked(row.name) ?? null,
      };
    },
  );
}
