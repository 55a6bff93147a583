// Users and the audit trail (admins): create local users, change roles, turn a
// user's two-factor off, end their sessions, remove them; read who did what.
import {
  AuditQuery,
  AuditView,
  Done,
  TugError,
  UserCreateRequest,
  UsernameParams,
  UserRoleRequest,
  UserView,
} from "@tugboat/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { UserRow } from "../../auth/user-store.js";
import { audited } from "../audit.js";
import type { CoreContext } from "../context.js";

const ADMIN = { access: { role: "admin" as const } };

const userView = (user: UserRow) => ({
  username: user.username,
  role: user.role,
  source: user.source,
  totp: user.totpEnabled,
  createdAt: user.createdAt,
});

export async function userRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const audit = (request: FastifyRequest, action: string, target: string, detail: Record<string, unknown> = {}) =>
    audited(ctx, request, action, target, detail);
  const userOf = async (username: string) => {
    const user = await ctx.users.byName(username);
    if (!user) throw new TugError("E_NOT_FOUND", `no user named "${username}"`);
    return user;
  };

  api.get(
    "/api/users",
    { config: ADMIN, schema: { summary: "Users", response: { 200: z.array(UserView) } } },
    async () => (await ctx.users.list()).map(userView),
  );
  api.post(
    "/api/users",
    {
      config: ADMIN,
      schema: { summary: "Create a local user", body: UserCreateRequest, response: { 201: UserView } },
    },
    async (request, reply) => {
      const { username, password, role } = request.body;
      if (await ctx.users.byName(username)) throw new TugError("E_CONFLICT", `user "${username}" exists`);
      await ctx.users.create(username, password, role);
      await audit(request, "user.create", username, { role });
      return reply.status(201).send(userView(await userOf(username)));
    },
  );
  api.put(
    "/api/users/:username/role",
    {
      config: ADMIN,
      schema: {
        summary: "Change a user's role",
        params: UsernameParams,
        body: UserRoleRequest,
        response: { 200: UserView },
      },
    },
    async (request) => {
      const user = await userOf(request.params.username);
      if (user.source === "oidc")
        throw new TugError(
          "E_INVALID_REQUEST",
          `${user.username}'s role comes from the OIDC group claim at each login`,
        );
      await ctx.users.setRole(user.id, request.body.role);
      await audit(request, "user.role", user.username, { from: user.role, to: request.body.role });
      return userView(await userOf(user.username));
    },
  );
  api.delete(
    "/api/users/:username",
    {
      config: ADMIN,
      schema: {
        summary: "Remove a user with their sessions and API keys",
        params: UsernameParams,
        response: { 200: Done },
      },
    },
    async (request) => {
      const user = await userOf(request.params.username);
      if (user.id === request.principal?.userId) throw new TugError("E_INVALID_REQUEST", "you cannot remove yourself");
      await ctx.users.remove(user.id);
      await audit(request, "user.delete", user.username);
      return { ok: true as const };
    },
  );
  api.delete(
    "/api/users/:username/totp",
    {
      config: ADMIN,
      schema: {
        summary: "Turn a user's two-factor off (a lost device)",
        params: UsernameParams,
        response: { 200: Done },
      },
    },
    async (request) => {
      const user = await userOf(request.params.username);
      await ctx.twoFactor.disable(user.id);
      await audit(request, "totp.disable", user.username);
      return { ok: true as const };
    },
  );
  api.delete(
    "/api/users/:username/sessions",
    {
      config: ADMIN,
      schema: { summary: "End every session of a user", params: UsernameParams, response: { 200: Done } },
    },
    async (request) => {
      const user = await userOf(request.params.username);
      const ended = await ctx.sessions.revokeAll(user.id);
      await audit(request, "session.revoke_all", user.username, { ended });
      return { ok: true as const };
    },
  );

  api.get(
    "/api/audit",
    {
      config: ADMIN,
      schema: {
        summary: "The audit trail, newest first: logins, keys, users, two-factor, certificates, terminals, secrets",
        querystring: AuditQuery,
        response: { 200: z.array(AuditView) },
      },
    },
    (request) =>
      ctx.audit.list({
        limit: request.query.limit,
        ...(request.query.actor ? { actor: request.query.actor } : {}),
        ...(request.query.action ? { action: request.query.action } : {}),
      }),
  );
}
