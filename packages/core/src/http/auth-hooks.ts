// Authentication and role checks for the API: a Bearer token (session or API
// key) on every route but health, login and webhooks (which check signatures).

import { TugError } from "@tugboat/protocol";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Principal, Role, UserStore } from "../auth/user-store.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function authenticate(users: UserStore) {
  return async (request: FastifyRequest) => {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
    const principal = match?.[1] ? await users.authenticate(match[1]) : undefined;
    if (!principal)
      throw new TugError(
        "E_UNAUTHORIZED",
        "log in first: send Authorization: Bearer <token> (tug login, or an API key)",
      );
    request.principal = principal;
  };
}

/** A preHandler allowing `role` and above. */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = request.principal;
    if (!principal || RANK[principal.role] < RANK[role]) {
      throw new TugError(
        "E_FORBIDDEN",
        `this needs the ${role} role; ${principal?.username ?? "you"} ${principal ? `are ${principal.role}` : "are not logged in"}`,
      );
    }
  };
}

export function triggerOf(request: FastifyRequest): { trigger: "user" | "api_key"; actor: string } {
  const principal = request.principal;
  return { trigger: principal?.via === "api_key" ? "api_key" : "user", actor: principal?.username ?? "unknown" };
}
