// The registry client's bearer-token flow, as Docker Hub, GHCR and Quay run
// it, against a stub registry and token service on loopback (Debian's
// docker-registry has htpasswd only; the real-registry tests cover basic
// auth): a 401 challenge names the realm, the token is asked for there with
// the credentials core holds, reused while it is valid, and never asked for
// at a realm that is plain HTTP off loopback.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImageReference } from "../src/images/reference.js";
import { RegistryClient } from "../src/images/registry-client.js";

const DIGEST = `sha256:${"d".repeat(64)}`;

interface Seen {
  method: string;
  path: string;
  authorization: string;
}

async function listen(handler: (req: IncomingMessage, seen: Seen) => [number, Record<string, string>, string]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const entry = { method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization ?? "" };
    seen.push(entry);
    const [status, headers, body] = handler(req, entry);
    res.writeHead(status, headers).end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("registry client: bearer tokens", () => {
  let registry: Awaited<ReturnType<typeof listen>>;
  let tokens: Awaited<ReturnType<typeof listen>>;
  let realm = "";

  beforeAll(async () => {
    tokens = await listen((req) => {
      const expected = `Basic ${Buffer.from("bot:s3cret-token").toString("base64")}`;
      if (req.headers.authorization !== expected) return [401, {}, "{}"];
      return [200, { "content-type": "application/json" }, JSON.stringify({ token: "issued-token", expires_in: 300 })];
    });
    registry = await listen((req) => {
      if (req.headers.authorization !== "Bearer issued-token")
        return [
          401,
          { "www-authenticate": `Bearer realm="${realm}",service="stub-registry",scope="repository:team/app:pull"` },
          "{}",
        ];
      return [200, { "docker-content-digest": DIGEST, "content-type": "application/vnd.oci.image.index.v1+json" }, ""];
    });
    realm = `http://${tokens.host}/token`;
  });

  afterAll(() => {
    registry?.server.close();
    tokens?.server.close();
  });

  const ref = () => parseImageReference(`${registry.host}/team/app:1`) ?? expect.unreachable();

  it("answers the challenge at the realm with the held credentials, and reuses the token", async () => {
    const asked: string[] = [];
    const client = new RegistryClient({
      credentials: async (host) => {
        asked.push(host);
        return { username: "bot", password: "s3cret-token" };
      },
    });
    expect(await client.head(ref())).toEqual({
      digest: DIGEST,
      mediaType: "application/vnd.oci.image.index.v1+json",
      index: true,
    });
    expect(asked).toEqual([registry.host]);
    const [token] = tokens.seen;
    const query = new URL(token?.path ?? "", "http://x").searchParams;
    expect([query.get("service"), query.get("scope")]).toEqual(["stub-registry", "repository:team/app:pull"]);
    await client.head(ref());
    expect(tokens.seen).toHaveLength(1);
    expect(registry.seen.map((r) => [r.method, r.authorization])).toEqual([
      ["HEAD", ""],
      ["HEAD", "Bearer issued-token"],
      ["HEAD", "Bearer issued-token"],
    ]);
  });

  it("says which registry refused when the token service does", async () => {
    const client = new RegistryClient({ credentials: async () => ({ username: "bot", password: "wrong" }) });
    await expect(client.head(ref())).rejects.toThrow(`token service of ${registry.host} answered 401`);
  });

  it("never sends credentials to a realm that is plain HTTP off loopback", async () => {
    realm = "http://registry-auth.example/token";
    const before = tokens.seen.length;
    const client = new RegistryClient({ credentials: async () => ({ username: "bot", password: "s3cret-token" }) });
    await expect(client.head(ref())).rejects.toThrow(
      `${registry.host} names token service http://registry-auth.example: not HTTPS, refused`,
    );
    expect(tokens.seen.length).toBe(before);
    realm = `http://${tokens.host}/token`;
  });
});
