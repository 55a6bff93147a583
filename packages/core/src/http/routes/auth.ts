// Logging in and out, who the caller is, and API keys.
import {
  ApiKeyCreated,
  ApiKeyRequest,
  ApiKeyView,
  Done,
  IdParams,
  LoginRequest,
  LoginResponse,
  MeView,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { bearerToken } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

export async function authRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    "/api/auth/login",
    {
      config: { role: "public", rateLimit: { max: 10, timeWindow: "1 minute" } },
      schema: { summary: "Log in; returns a session token", body: LoginRequest, response: { 200: LoginResponse } },
    },
    async (request) => {
      const token = await ctx.users.login(request.body.username, request.body.password, ctx.config.session_hours);
      if (!token) throw new TugError("E_UNAUTHORIZED", "wrong username or password");
      return { token };
    },
  );

  api.post(
    "/api/auth/logout",
    { config: { role: "viewer" }, schema: { summary: "End this session", response: { 200: Done } } },
    async (request) => {
      if (request.principal?.via === "api_key")
        throw new TugError(
          "E_INVALID_REQUEST",
          "this is an API key, not a session: revoke it with DELETE /api/auth/api-keys/ID",
        );
      await ctx.users.logout(bearerToken(request.headers.authorization) ?? "");
      return { ok: true as const };
    },
  );

  api.get(
    "/api/auth/me",
    { config: { role: "viewer" }, schema: { summary: "Who the caller is", response: { 200: MeView } } },
    (request) => ({ username: request.principal?.username ?? "", role: request.principal?.role ?? "viewer" }),
  );

  api.post(
    "/api/auth/api-keys",
    {
      config: { role: "viewer" },
      schema: {
        summary: "Create an API key for yourself; the key is in this reply only",
        body: ApiKeyRequest,
        response: { 201: ApiKeyCreated },
      },
    },
    async (request, reply) => {
      const { name, expiresInDays } = request.body;
      const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000).toISOString() : null;
      const { id, key } = await ctx.users.createApiKey(request.principal?.userId ?? 0, name, expiresAt);
      return reply.status(201).send({ id, name, key, expiresAt });
    },
  );

  api.get(
    "/api/auth/api-keys",
    {
      config: { role: "viewer" },
      schema: { summary: "Your API keys (an admin sees everyone's)", response: { 200: z.array(ApiKeyView) } },
    },
    (request) =>
      ctx.users.listApiKeys(request.principal?.role === "admin" ? undefined : (request.principal?.userId ?? -1)),
  );

  api.delete(
    "/api/auth/api-keys/:id",
    {
      config: { role: "viewer" },
      schema: { summary: "Revoke an API key (yours; an admin: any)", params: IdParams, response: { 200: Done } },
    },
    async (request) => {
      const id = Number(request.params.id);
      const mine = request.principal?.role === "admin" ? undefined : (request.principal?.userId ?? -1);
      if (!Number.isInteger(id) || !(await ctx.users.revokeApiKey(id, mine)))
        throw new TugError("E_NOT_FOUND", `no API key ${request.params.id} of yours`);
      return { ok: true as const };
    },
  );
}
