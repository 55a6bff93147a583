// Request checks before any route runs: the caller's address (when
// allowed_ips is set) and the Bearer passkey, compared in constant time. A
// request that came through the outbound link is core's: the link itself was
// authenticated both ways when it opened.
import { createHash, timingSafeEqual } from "node:crypto";
import { TugError } from "@tugboat/protocol";

const digest = (text: string) => createHash("sha256").update(text).digest();

export function passkeyMatches(expected: string, header: string | undefined): boolean {
  // The scheme is case-insensitive (RFC 9110): `bearer` works as well as `Bearer`.
  const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? "");
  // Hashing both sides first makes the comparison length-independent.
  return timingSafeEqual(digest(expected), digest(match?.[1] ?? "")) && match !== null;
}

function normalizeIp(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** Connections that are streams of the outbound link to core. */
const linked = new WeakSet<object>();

export function markLinked(connection: object): void {
  linked.add(connection);
}

export function checkRequest(options: {
  /** The request's connection. */
  socket: object;
  passkey: string;
  allowedIps: readonly string[];
  remoteAddress: string | undefined;
  authorization: string | undefined;
}): void {
  if (linked.has(options.socket)) return;
  if (options.allowedIps.length > 0) {
    const ip = normalizeIp(options.remoteAddress ?? "");
    if (!options.allowedIps.map(normalizeIp).includes(ip)) {
      throw new TugError("E_FORBIDDEN", `address ${ip} is not in this agent's allowed_ips`);
    }
  }
  if (!passkeyMatches(options.passkey, options.authorization)) {
    throw new TugError(
      "E_UNAUTHORIZED",
      "missing or wrong passkey: send Authorization: Bearer <passkey> (TUG_AGENT_PASSKEY)",
    );
  }
}
