// OIDC login in the browser: /login redirects to the provider (the login in
// progress is sealed in a short-lived cookie), /callback exchanges the code,
// provisions the user with the role their groups map to, opens a session and
// returns to the UI. A refusal returns to the login page with the reason.
import { TugError } from "@tugboat/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { PendingLogin } from "../../auth/oidc.js";
import type { CoreContext } from "../context.js";
import { openSession } from "../cookies.js";

const PENDING_COOKIE = "tug_oidc";
const CALLBACK = "/api/auth/oidc/callback";
const Redirect = { 302: z.null().describe("a redirect") };

export async function oidcRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const base = (request: FastifyRequest) => ctx.config.public_url || `${request.protocol}://${request.host}`;
  const provider = () => {
    if (!ctx.oidc) throw new TugError("E_NOT_FOUND", "OIDC login is not configured (TUG_OIDC_ISSUER)");
    return ctx.oidc;
  };

  api.get(
    "/api/auth/oidc/login",
    {
      config: { access: "public", rateLimit: { max: 30, timeWindow: "1 minute" } },
      schema: { summary: "Start an OIDC login: redirects to the provider", response: Redirect },
    },
    async (request, reply) => {
      const { url, pending } = await provider().start(`${base(request)}${CALLBACK}`);
      reply.setCookie(PENDING_COOKIE, ctx.key.seal(JSON.stringify(pending)), {
        path: CALLBACK,
        httpOnly: true,
        sameSite: "lax",
        secure: pending.redirectUri.startsWith("https://"),
        maxAge: 600,
      });
      return reply.redirect(url, 302);
    },
  );

  api.get(
    CALLBACK,
    {
      config: { access: "public", rateLimit: { max: 30, timeWindow: "1 minute" } },
      schema: {
        summary: "Where the provider returns: opens a session and redirects to the UI",
        querystring: z.record(z.string(), z.string()),
        response: Redirect,
      },
    },
    async (request, reply) => {
      const oidc = provider();
      const sealed = request.cookies[PENDING_COOKIE];
      reply.clearCookie(PENDING_COOKIE, { path: CALLBACK });
      let username = "unknown";
      try {
        if (!sealed) throw new TugError("E_UNAUTHORIZED", "no OIDC login in progress in this browser; start again");
        const pending = JSON.parse(ctx.key.open(sealed)) as PendingLogin;
        const at = request.url.indexOf("?");
        const query = at < 0 ? "" : request.url.slice(at);
        const identity = await oidc.finish(new URL(`${pending.redirectUri}${query}`), pending);
        username = identity.username;
        if (!identity.role)
          throw new TugError(
            "E_FORBIDDEN",
            `${username} is in no group that TUG_OIDC_ROLE_MAP maps to a role (groups: ${identity.groups.join(", ") || "none"}), and TUG_OIDC_DEFAULT_ROLE is not set`,
          );
        const user = await ctx.users.provisionOidc(identity.username, identity.subject, identity.role, identity.groups);
        await openSession(ctx, request, reply, user.id);
        await ctx.audit.record({
          actor: user.username,
          action: "login",
          target: user.username,
          outcome: "ok",
          source: request.ip,
          detail: { method: "oidc", role: user.role, groups: identity.groups },
        });
        return reply.redirect("/", 302);
      } catch (error) {
        const message = (error as Error).message;
        await ctx.audit.record({
          actor: username,
          action: "login",
          target: username,
          outcome: error instanceof TugError && error.code === "E_FORBIDDEN" ? "denied" : "failed",
          source: request.ip,
          detail: { method: "oidc", reason: message },
        });
        return reply.redirect(`/?login_error=${encodeURIComponent(ctx.masker.mask(message))}`, 302);
      }
    },
  );
}
