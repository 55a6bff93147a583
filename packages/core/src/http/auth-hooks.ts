// Who may call a route. Every route declares `config.role`; one hook checks
// it before anything else runs: "public" and "webhook" (signature checked by
// the route) need no token, the others a Bearer token (session or API key)
// whose role ranks high enough. An API route that declares no role is refused,
// so a forgotten declaration fails closed.
import { TugError } from "@tugboat/protocol";
import type { FastifyRequest } from "fastify";
import type { Principal, Role, UserStore } from "../auth/user-store.js";

export type RouteRole = Role | "public" | "webhook";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    role?: RouteRole;
  }
}

const RANK: Readonly<Record<string, number>> = { viewer: 0, operator: 1, admin: 2 };

/** Paths that belong to the API; anything else is the web UI's static files. */
export const API_PATHS = /^\/(api|webhooks|metrics)(\/|$)/;

/** The token of `Authorization: Bearer <token>` (the scheme in any case, as RFC 9110 says). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export function authorize(users: UserStore) {
  return async (request: FastifyRequest) => {
    // Unmatched paths reach the not-found handler (404 for the API, the UI's index otherwise).
    if (request.routeOptions.url === undefined) return;
    const role = request.routeOptions.config.role;
    if (role === "public" || role === "webhook") return;
    if (role === undefined) {
      if (!API_PATHS.test(request.routeOptions.url)) return; // the UI's files
      throw new TugError("E_FORBIDDEN", `route ${request.routeOptions.url} declares no role`);
    }
    const token = bearerToken(request.headers.authorization);
    const principal = token ? await users.authenticate(token) : undefined;
    if (!principal)
      throw new TugError(
        "E_UNAUTHORIZED",
        "log in first: send Authorization: Bearer <token> (tug login, or an API key)",
      );
    request.principal = principal;
    // A role this version does not know ranks below every known one.
    if ((RANK[principal.role] ?? -1) < (RANK[role] ?? Number.POSITIVE_INFINITY)) {
      throw new TugError(
        "E_FORBIDDEN",
        `this needs the ${role} role; ${principal.username} is ${RANK[principal.role] === undefined ? `"${principal.role}", which is not a role` : principal.role}`,
      );
    }
  };
}

export function triggerOf(request: FastifyRequest): { trigger: "user" | "api_key"; actor: string } {
  const principal = request.principal;
  return { trigger: principal?.via === "api_key" ? "api_key" : "user", actor: principal?.username ?? "unknown" };
}
