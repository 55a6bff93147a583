// Logging in (password with two-factor, or OIDC) and out, who the caller is,
// their sessions, API keys and two-factor enrolment. Every outcome that
// changes who can do what is written to the audit trail.
import {
  ApiKeyCreated,
  ApiKeyRequest,
  ApiKeyView,
  AuthOptionsView,
  Done,
  IdParams,
  LoginRequest,
  LoginResponse,
  MeView,
  RecoveryCodes,
  SessionParams,
  SessionView,
  TotpConfirmRequest,
  TotpEnrolment,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited } from "../audit.js";
import { bearerToken } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";
import { clearSessionCookies, openSession, SESSION_COOKIE } from "../cookies.js";

export async function authRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const breakGlass = ctx.config.break_glass_user || ctx.config.init_admin_username;

  api.get(
    "/api/auth/options",
    {
      config: { access: "public" },
      schema: { summary: "How one can log in (for the login page)", response: { 200: AuthOptionsView } },
    },
    () => ({
      password: !ctx.config.oidc_only,
      oidc: ctx.oidc ? { name: ctx.oidc.name, url: "/api/auth/oidc/login" } : null,
    }),
  );

  api.post(
    "/api/auth/login",
    {
      // Per address: one address cannot spray passwords over many accounts.
      onRequest: app.rateLimit({ max: 60, timeWindow: "1 minute" }),
      config: {
        access: "public",
        // Per address and account: one address cannot try many passwords on an account.
        rateLimit: {
          max: 10,
          timeWindow: "1 minute",
          hook: "preHandler", // after the body is parsed: the key names the account
          keyGenerator: (request: FastifyRequest) =>
            `${request.ip}\u0000${String((request.body as { username?: unknown } | undefined)?.username ?? "").toLowerCase()}`,
        },
      },
      schema: {
        summary: "Log in with a password (and a two-factor code); returns a session token and sets the session cookie",
        body: LoginRequest,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const { username, password, code } = request.body;
      const record = (outcome: "ok" | "denied" | "failed", detail: Record<string, unknown>) =>
        ctx.audit.record({ actor: username, action: "login", target: username, outcome, source: request.ip, detail });
      if (ctx.config.oidc_only && username !== breakGlass) {
        await record("denied", { method: "password", reason: "OIDC only" });
        throw new TugError("E_FORBIDDEN", `password login is off: log in with ${ctx.oidc?.name ?? "OIDC"}`);
      }
      const user = await ctx.users.checkPassword(username, password);
      if (!user) {
        await record("failed", { method: "password", reason: "wrong username or password" });
        throw new TugError("E_UNAUTHORIZED", "wrong username or password");
      }
      let recovery = false;
      if (user.totpEnabled) {
        if (!code) throw new TugError("E_TOTP_REQUIRED", `${username} has two-factor: send the code too`);
        const checked = await ctx.twoFactor.verify(user.id, user.username, code).catch(async (error: unknown) => {
          await record("denied", { method: "password", reason: (error as Error).message });
          throw error;
        });
        if (!checked.ok) {
          await record("failed", { method: "password", reason: "wrong two-factor code" });
          throw new TugError("E_UNAUTHORIZED", "wrong two-factor code");
        }
        recovery = checked.recovery;
      }
      const session = await openSession(ctx, request, reply, user.id);
      await record("ok", {
        method: "password",
        twoFactor: user.totpEnabled,
        ...(recovery ? { recoveryCode: true } : {}),
      });
      return session;
    },
  );

  api.post(
    "/api/auth/logout",
    { config: { access: "signed-in" }, schema: { summary: "End this session", response: { 200: Done } } },
    async (request, reply) => {
      if (request.principal?.via === "api_key")
        throw new TugError(
          "E_INVALID_REQUEST",
          "this is an API key, not a session: revoke it with DELETE /api/auth/api-keys/ID",
        );
      await ctx.sessions.close(bearerToken(request.headers.authorization) ?? request.cookies[SESSION_COOKIE] ?? "");
      clearSessionCookies(reply);
      await audited(ctx, request, "logout", request.principal?.username ?? "");
      return { ok: true as const };
    },
  );

  api.get(
    "/api/auth/me",
    { config: { access: "signed-in" }, schema: { summary: "Who the caller is", response: { 200: MeView } } },
    async (request) => {
      const principal = request.principal;
      const user = principal ? await ctx.users.byId(principal.userId) : undefined;
      if (!principal || !user) throw new TugError("E_UNAUTHORIZED", "log in first");
      return {
        username: user.username,
        role: user.role,
        source: user.source,
        groups: ctx.access.groupsOf(principal),
        totp: user.totpEnabled,
        maxLevel: principal.maxLevel ?? null,
      };
    },
  );

  api.get(
    "/api/auth/sessions",
    {
      config: { access: "signed-in" },
      schema: { summary: "Your sessions, newest first", response: { 200: z.array(SessionView) } },
    },
    async (request) =>
      (await ctx.sessions.list(request.principal?.userId ?? -1)).map((session) => ({
        ...session,
        current: session.id === request.principal?.sessionId,
      })),
  );
  api.delete(
    "/api/auth/sessions/:id",
    {
      config: { access: "signed-in" },
      schema: { summary: "End one of your sessions", params: SessionParams, response: { 200: Done } },
    },
    async (request) => {
      if (!(await ctx.sessions.revoke(request.principal?.userId ?? -1, request.params.id)))
        throw new TugError("E_NOT_FOUND", `no session ${request.params.id} of yours`);
      await audited(ctx, request, "session.revoke", request.params.id);
      return { ok: true as const };
    },
  );

  api.post(
    "/api/auth/api-keys",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Create an API key for yourself (optionally narrowed to a level); the key is in this reply only",
        body: ApiKeyRequest,
        response: { 201: ApiKeyCreated },
      },
    },
    async (request, reply) => {
      const { name, expiresInDays, maxLevel } = request.body;
      const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000).toISOString() : null;
      const { id, key } = await ctx.users.createApiKey(
        request.principal?.userId ?? 0,
        name,
        expiresAt,
        maxLevel ?? null,
      );
      await audited(ctx, request, "api_key.create", `${id}`, { name, expiresAt, maxLevel: maxLevel ?? null });
      return reply.status(201).send({ id, name, key, expiresAt, maxLevel: maxLevel ?? null });
    },
  );

  api.get(
    "/api/auth/api-keys",
    {
      config: { access: "signed-in" },
      schema: { summary: "Your API keys (an admin sees everyone's)", response: { 200: z.array(ApiKeyView) } },
    },
    (request) =>
      ctx.users.listApiKeys(request.principal?.role === "admin" ? undefined : (request.principal?.userId ?? -1)),
  );

  api.delete(
    "/api/auth/api-keys/:id",
    {
      config: { access: "signed-in" },
      schema: { summary: "Revoke an API key (yours; an admin: any)", params: IdParams, response: { 200: Done } },
    },
    async (request) => {
      const id = Number(request.params.id);
      const mine = request.principal?.role === "admin" ? undefined : (request.principal?.userId ?? -1);
      if (!Number.isInteger(id) || !(await ctx.users.revokeApiKey(id, mine)))
        throw new TugError("E_NOT_FOUND", `no API key ${request.params.id} of yours`);
      await audited(ctx, request, "api_key.revoke", `${id}`);
      return { ok: true as const };
    },
  );

  const localUser = async (request: FastifyRequest) => {
    const user = request.principal ? await ctx.users.byId(request.principal.userId) : undefined;
    if (!user) throw new TugError("E_UNAUTHORIZED", "log in first");
    if (user.source !== "local")
      throw new TugError("E_INVALID_REQUEST", "two-factor of an OIDC user is the provider's business");
    if (request.principal?.via !== "session")
      throw new TugError("E_FORBIDDEN", "two-factor is set up from a session, not with an API key");
    return user;
  };
  api.post(
    "/api/auth/totp",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Start two-factor enrolment: a new TOTP secret, in force once confirmed with a code",
        response: { 200: TotpEnrolment },
      },
    },
    async (request) => {
      const user = await localUser(request);
      if (user.totpEnabled)
        throw new TugError("E_CONFLICT", "two-factor is already on; an admin can turn it off to enrol again");
      return ctx.twoFactor.enrol(user.id, user.username);
    },
  );
  api.post(
    "/api/auth/totp/confirm",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Turn two-factor on with a first code; the recovery codes are in this reply only",
        body: TotpConfirmRequest,
        response: { 200: RecoveryCodes },
      },
    },
    async (request) => {
      const user = await localUser(request);
      const recoveryCodes = await ctx.twoFactor.confirm(user.id, user.username, request.body.code);
      await audited(ctx, request, "totp.enable", user.username);
      return { recoveryCodes };
    },
  );
}
