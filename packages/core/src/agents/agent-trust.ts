// How core trusts an inbound agent: the SHA-256 fingerprint of its self-signed
// certificate, declared in TOML or accepted by an admin, checked on every
// connection before any credential or body is sent.
import { normalizeFingerprint, TugError } from "@tugboat/protocol";

export interface TrustPolicy {
  /** The fingerprint core trusts for this server, or null before one is. */
  trusted: string | null;
  /** A fingerprint the server's TOML gives (`fingerprint = "…"`): trusted on first contact when it matches. */
  declared: string;
  /** Records the fingerprint as trusted. */
  trust(fingerprint: string): Promise<void>;
  /** Records a fingerprint that is not trusted (first contact, or a change), for an admin to accept. */
  untrusted(fingerprint: string): Promise<void>;
}

/** Checks the certificate the agent presented; resolves when it may receive credentials. */
export async function checkTrust(
  options: { trust: TrustPolicy; address: string; server: string },
  fingerprint: string,
  beforeTrust: boolean,
): Promise<boolean> {
  const { trust, address, server } = options;
  if (trust.trusted !== null) {
    if (trust.trusted === fingerprint) return true;
    await trust.untrusted(fingerprint);
    throw new TugError(
      "E_AGENT_CERT_CHANGED",
      `agent at ${address} presented certificate ${fingerprint}, not the trusted ${trust.trusted}; refused until an admin accepts it (POST /api/servers/${server}/accept-certificate with its fingerprint)`,
    );
  }
  const declared = normalizeFingerprint(trust.declared);
  if (declared && declared === fingerprint) {
    await trust.trust(fingerprint);
    return true;
  }
  await trust.untrusted(fingerprint);
  if (beforeTrust) return false;
  throw new TugError(
    "E_AGENT_UNTRUSTED",
    declared
      ? `agent at ${address} presented certificate ${fingerprint}, not the fingerprint in server "${server}"'s TOML (${declared}); nothing was sent to it`
      : `agent at ${address} is not trusted yet: it presented certificate ${fingerprint}. If that is the fingerprint tug agent printed on ${server}, accept it (POST /api/servers/${server}/accept-certificate) or set fingerprint = "${fingerprint}" in the server's TOML; nothing was sent to it`,
  );
}
