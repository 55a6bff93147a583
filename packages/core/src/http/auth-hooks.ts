// Who may call a route. Every route declares `config.access`, and one hook
// checks it before anything else runs:
// - "public" and "webhook" (the route checks the signature) need no login;
// - "signed-in": any user; what the route lists is filtered by Read;
// - { role }: routes about the whole fleet, for a role and above;
// - { kind, level, specific }: routes about one resource (`:name`, or an
//   update's target for `:id`), checked against the user's permissions on it.
// A caller is a Bearer token (session or API key; the API and CLI) or the
// session cookie (the browser), which must also send the CSRF token on every
// request that changes something. An API route that declares no access is
// refused, so a forgotten declaration fails closed.
import { PERMISSION_LEVELS, type PermissionLevel, type SpecificPermission } from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { FastifyRequest } from "fastify";
import type { Access } from "../auth/access.js";
import { type ResourceKind, ROLES, roleRank } from "../auth/permissions.js";
import type { Principal, SessionStore } from "../auth/sessions.js";
import { csrfMatches, SESSION_COOKIE } from "./cookies.js";

export type ResourceRule = { kind: ResourceKind | "update"; level: PermissionLevel; specific?: SpecificPermission };
export type RouteAccess = "public" | "webhook" | "signed-in" | { role: "viewer" | "operator" | "admin" } | ResourceRule;

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Paths that belong to the API; anything else is the web UI's static files. */
export const API_PATHS = /^\/(api|webhooks|metrics)(\/|$)/;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The token of `Authorization: Bearer <token>` (the scheme in any case, as RFC 9110 says). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** How a route's access reads in the API document and in errors. */
export function describeAccess(access: RouteAccess): string {
  if (typeof access === "string") return access;
  if ("role" in access) return `the ${access.role} role`;
  const on = access.kind === "update" ? "the update's target" : `the ${access.kind}`;
  return `${access.level}${access.specific ? ` and ${access.specific}` : ""} on ${on}`;
}

/** The caller: a Bearer token, or the session cookie with its CSRF token on a change. */
async function identify(request: FastifyRequest, sessions: SessionStore): Promise<Principal | undefined> {
  const meta = { ip: request.ip, userAgent: request.headers["user-agent"] ?? "" };
  const bearer = bearerToken(request.headers.authorization);
  if (bearer) return sessions.authenticate(bearer, meta);
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return undefined;
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers["x-csrf-token"];
    if (typeof sent !== "string" || !csrfMatches(sessions.csrfKey, cookie, sent))
      throw new TugError("E_FORBIDDEN", "missing or wrong CSRF token (send the x-csrf-token header)");
  }
  return sessions.authenticate(cookie, meta);
}

export function authorize(sessions: SessionStore, access: Access) {
  return async (request: FastifyRequest) => {
    // Unmatched paths reach the not-found handler (404 for the API, the UI's index otherwise).
    if (request.routeOptions.url === undefined) return;
    const rule = request.routeOptions.config.access;
    if (rule === "public" || rule === "webhook") return;
    if (rule === undefined) {
      if (!API_PATHS.test(request.routeOptions.url)) return; // the UI's files
      throw new TugError("E_FORBIDDEN", `route ${request.routeOptions.url} declares no access rule`);
    }
    const principal = await identify(request, sessions);
    if (!principal)
      throw new TugError(
        "E_UNAUTHORIZED",
        "log in first: send Authorization: Bearer <token> (tug login, or an API key)",
      );
    request.principal = principal;
    // A role this version does not know (a database edited by hand) gets nothing.
    if (!(ROLES as readonly string[]).includes(principal.role))
      throw new TugError("E_FORBIDDEN", `${principal.username} is "${principal.role}", which is not a role`);
    if (rule === "signed-in") {
      // What any user may change of their own (keys, sessions) is not for a key narrowed to a level.
      if (principal.maxLevel !== undefined && !SAFE_METHODS.has(request.method))
        throw new TugError("E_FORBIDDEN", `an API key narrowed to ${principal.maxLevel} cannot change this`);
      return;
    }
    if ("role" in rule) {
      // A narrowed key: Read reaches viewer routes, Execute operator routes.
      const cap = principal.maxLevel === undefined ? 2 : PERMISSION_LEVELS.indexOf(principal.maxLevel) - 1;
      const ranked = Math.min(roleRank(principal.role), cap);
      if (ranked < roleRank(rule.role))
        throw new TugError(
          "E_FORBIDDEN",
          `this needs the ${rule.role} role; ${principal.username} is ${principal.role}${principal.maxLevel ? ` (an API key narrowed to ${principal.maxLevel})` : ""}`,
        );
      return;
    }
    const params = request.params as { name?: string; id?: string };
    await access.check(principal, rule, rule.kind === "update" ? (params.id ?? "") : (params.name ?? ""));
  };
}

/** The caller of a route that needs a login (the hook has set it). */
export function signedIn(request: FastifyRequest): Principal {
  if (!request.principal) throw new TugError("E_UNAUTHORIZED", "log in first");
  return request.principal;
}

export function triggerOf(request: FastifyRequest): { trigger: "user" | "api_key"; actor: string } {
  const principal = request.principal;
  return { trigger: principal?.via === "api_key" ? "api_key" : "user", actor: principal?.username ?? "unknown" };
}
