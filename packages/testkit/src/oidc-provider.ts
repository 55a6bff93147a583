// A real OpenID provider on 127.0.0.1 (the `oidc-provider` package), standing
// in for PocketID: discovery, authorization code with PKCE, ID tokens,
// userinfo with a `groups` claim. Its login page takes a known login name
// (any password, as its development login does); the consent is given up
// front for the one client, as a provider does for a first-party app.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";

export interface OidcUser {
  username: string;
  groups: string[];
  email?: string;
}

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface RunningOidcProvider {
  issuer: string;
  close(): Promise<void>;
}

const SCOPES = "openid profile email groups";

export async function startOidcProvider(options: {
  users: OidcUser[];
  client: OidcClient;
}): Promise<RunningOidcProvider> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const users = new Map(options.users.map((user) => [user.username, user]));
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.client.clientId,
        client_secret: options.client.clientSecret,
        redirect_uris: options.client.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    scopes: SCOPES.split(" "),
    claims: {
      openid: ["sub"],
      profile: ["preferred_username", "name"],
      email: ["email"],
      groups: ["groups"],
    },
    pkce: { required: () => true },
    cookies: { keys: ["tugboat-testkit-oidc"] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          preferred_username: user.username,
          name: user.username,
          email: user.email ?? `${user.username}@example.test`,
          groups: user.groups,
        }),
      };
    },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(SCOPES);
      grant.addOIDCClaims(["preferred_username", "groups", "email"]);
      await grant.save();
      return grant;
    },
  });
  server.on("request", provider.callback());
  return {
    issuer,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
