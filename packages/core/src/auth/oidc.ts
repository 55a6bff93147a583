// OIDC login (PocketID, Authelia, Keycloak, …) with openid-client:
// authorization code with PKCE, state and nonce; the provider is discovered
// from its issuer URL. Who the user is comes from the ID token (and the
// userinfo endpoint when the token lacks the groups claim); which role they
// get is decided by `roleForGroups`, a pure function of the group claim.

import { TugError } from "@tugboat/protocol";
import * as client from "openid-client";
import { ROLES, type Role, roleRank } from "./permissions.js";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** What the login button says ("Log in with PocketID"). */
  name: string;
  groupsClaim: string;
  /** Group → role, from `ops=operator,admins=admin`. */
  roleMap: ReadonlyMap<string, Role>;
  /** The role of a user none of whose groups is mapped; undefined: they are refused. */
  defaultRole?: Role | undefined;
}

/** What a login in progress keeps (sealed in a cookie) between the redirect and the callback. */
export interface PendingLogin {
  state: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
  expires: number;
}

export interface OidcIdentity {
  username: string;
  /** The provider's issuer and the user's `sub` there: who the user is, whatever their name. */
  subject: string;
  groups: string[];
  /** Undefined: none of the groups maps to a role and there is no default; the login is refused. */
  role: Role | undefined;
}

const DEADLINE_MS = 10_000;
const PENDING_MS = 10 * 60_000;

/** `ops=operator,admins=admin` → a map; an unknown role is an error naming the entry. */
export function parseRoleMap(text: string): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [group, role] = entry.split("=").map((part) => part.trim());
    if (!group || !role || !(ROLES as readonly string[]).includes(role))
      throw new TugError(
        "E_INVALID_REQUEST",
        `core config: TUG_OIDC_ROLE_MAP entry "${entry}" is not GROUP=ROLE with a role of ${ROLES.join(", ")}`,
      );
    map.set(group, role as Role);
  }
  return map;
}

/** The highest role any of the groups maps to; the default when none does (undefined: refused). */
export function roleForGroups(
  groups: readonly string[],
  roleMap: ReadonlyMap<string, Role>,
  defaultRole: Role | undefined,
): Role | undefined {
  const mapped = groups.flatMap((group) => {
    const role = roleMap.get(group);
    return role ? [role] : [];
  });
  if (mapped.length === 0) return defaultRole;
  return mapped.reduce((best, role) => (roleRank(role) > roleRank(best) ? role : best));
}

function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" ? [value] : [];
}

export class OidcLogin {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {
    const issuer = URL.canParse(settings.issuer) ? new URL(settings.issuer) : undefined;
    // The client secret and users' tokens travel to the issuer: plain HTTP only on this machine.
    const loopback = issuer !== undefined && ["127.0.0.1", "localhost", "[::1]"].includes(issuer.hostname);
    if (!issuer || !(issuer.protocol === "https:" || (issuer.protocol === "http:" && loopback)))
      throw new TugError(
        "E_INVALID_REQUEST",
        `core config: TUG_OIDC_ISSUER must be an https:// URL (http:// only on loopback), not "${settings.issuer}"`,
      );
    if (!settings.clientId) throw new TugError("E_INVALID_REQUEST", "core config: TUG_OIDC_CLIENT_ID is not set");
  }

  get name(): string {
    return this.settings.name;
  }

  /** The provider's metadata, discovered once (again after a failure). */
  private config(): Promise<client.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      const insecure = issuer.protocol === "http:";
      this.configuration = client
        .discovery(
          issuer,
          this.settings.clientId,
          this.settings.clientSecret || undefined,
          // No secret: a public client, which PKCE protects.
          this.settings.clientSecret ? undefined : client.None(),
          {
            [client.customFetch]: (url, options) =>
              fetch(url, { ...options, signal: AbortSignal.timeout(DEADLINE_MS) } as RequestInit),
            ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
          },
        )
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw new TugError(
            "E_UNAVAILABLE",
            `OIDC provider ${this.settings.issuer} cannot be discovered: ${(error as Error).message}`,
          );
        });
    }
    return this.configuration;
  }

  /** Where to send the browser, and what to keep until it comes back. */
  async start(redirectUri: string): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.config();
    const verifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier,
      redirectUri,
      expires: Date.now() + PENDING_MS,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the callback's code; the user's name, groups and role. */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<OidcIdentity> {
    if (pending.expires < Date.now()) throw new TugError("E_UNAUTHORIZED", "the login took too long; start again");
    const config = await this.config();
    const tokens = await client
      .authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
      .catch((error: unknown) => {
        throw new TugError("E_UNAUTHORIZED", `OIDC login failed: ${(error as Error).message}`);
      });
    const claims: Record<string, unknown> = { ...tokens.claims() };
    if (!(this.settings.groupsClaim in claims) || claims.preferred_username === undefined) {
      const info = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      Object.assign(claims, info, { sub: claims.sub });
    }
    const username = claims.preferred_username;
    if (typeof username !== "string" || username === "")
      throw new TugError("E_UNAUTHORIZED", "the OIDC provider sent no preferred_username; Tugboat names users by it");
    const groups = claimList(claims[this.settings.groupsClaim]);
    return {
      username,
      subject: `${this.settings.issuer} ${String(claims.sub)}`,
      groups,
      role: roleForGroups(groups, this.settings.roleMap, this.settings.defaultRole),
    };
  }
}
