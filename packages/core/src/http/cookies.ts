// The browser's session: an HttpOnly cookie holding the session token
// (SameSite=Lax, Secure when core is reached over TLS), and a readable cookie
// holding its CSRF token, an HMAC of the session token, that the web UI sends
// back as `x-csrf-token` on every change. A cross-site form can send the
// first cookie but can neither read the second nor set the header.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { CoreContext } from "./context.js";

export const SESSION_COOKIE = "tug_session";
export const CSRF_COOKIE = "tug_csrf";

export function csrfToken(key: Buffer, sessionToken: string): string {
  return createHmac("sha256", key).update(`csrf\u0000${sessionToken}`).digest("base64url");
}

export function csrfMatches(key: Buffer, sessionToken: string, sent: string): boolean {
  const expected = Buffer.from(csrfToken(key, sessionToken));
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Secure cookies when the client reached core over TLS (directly, or as the public URL says). */
function secure(request: FastifyRequest, publicUrl: string): boolean {
  return request.protocol === "https" || publicUrl.startsWith("https://");
}

export function setSessionCookies(
  reply: FastifyReply,
  options: { token: string; csrfKey: Buffer; maxAgeSeconds: number; publicUrl: string },
): void {
  const common = {
    path: "/",
    sameSite: "lax" as const,
    secure: secure(reply.request, options.publicUrl),
    maxAge: options.maxAgeSeconds,
  };
  reply.setCookie(SESSION_COOKIE, options.token, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrfToken(options.csrfKey, options.token), { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
  reply.clearCookie(CSRF_COOKIE, { path: "/" });
}

/** Opens a session for a user who proved who they are: the token, and the browser's cookies. */
export async function openSession(ctx: CoreContext, request: FastifyRequest, reply: FastifyReply, userId: number) {
  const { token } = await ctx.sessions.open(userId, { ip: request.ip, userAgent: request.headers["user-agent"] ?? "" });
  setSessionCookies(reply, {
    token,
    csrfKey: ctx.sessions.csrfKey,
    maxAgeSeconds: Math.round(ctx.config.session_hours * 3600),
    publicUrl: ctx.config.public_url,
  });
  return { token, csrfToken: csrfToken(ctx.sessions.csrfKey, token) };
}
