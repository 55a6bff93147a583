import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CheckSpec } from "@tugboat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "./run-checks.js";

describe("uptime checks on the host", () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];
  const spec = (fields: Partial<CheckSpec> & Pick<CheckSpec, "target">) =>
    CheckSpec.parse({ name: "c", kind: "http", timeoutMs: 2000, ...fields });
  const allowed = new Set(["192.0.2.10"]);

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      if (req.url === "/moved") res.writeHead(302, { location: "http://192.0.2.99/" }).end();
      else if (req.url === "/down") res.writeHead(503).end("maintenance");
      else if (req.url === "/hang") res.writeHead(200).write("still starting");
      else res.writeHead(200).end("all ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("passes on the expected status and body, and fails naming what it got", async () => {
    const ok = await runCheck(spec({ target: `http://127.0.0.1:${port}/`, expectBody: "ok" }), allowed);
    expect(ok).toMatchObject({ ok: true, detail: "200 OK" });
    const down = await runCheck(spec({ target: `http://localhost:${port}/down` }), allowed);
    expect(down).toMatchObject({ ok: false, detail: "503 Service Unavailable, expected 2xx or 3xx" });
    const body = await runCheck(spec({ target: `http://127.0.0.1:${port}/`, expectBody: "healthy" }), allowed);
    expect(body.detail).toBe('200 OK, but the body does not contain "healthy"');
  });

  it("gives up on an answer that never ends, naming its deadline", async () => {
    const hung = await runCheck(
      spec({ target: `http://127.0.0.1:${port}/hang`, expectBody: "ready", timeoutMs: 300 }),
      allowed,
    );
    expect(hung).toMatchObject({ ok: false, detail: "no answer within 300 ms" });
  });

  it("does not follow a redirect", async () => {
    seen.length = 0;
    expect(await runCheck(spec({ target: `http://127.0.0.1:${port}/moved` }), allowed)).toMatchObject({ ok: true });
    expect(seen).toEqual(["/moved"]);
  });

  it("refuses addresses that are not the host's or its containers', and names", async () => {
    const lan = await runCheck(spec({ target: "http://192.168.1.1/" }), allowed);
    expect(lan).toMatchObject({
      ok: false,
      detail: "192.168.1.1 is not an address of this host or of one of its containers",
    });
    const metadata = await runCheck(spec({ kind: "tcp", target: "169.254.169.254:80" }), allowed);
    expect(metadata.ok).toBe(false);
    const named = await runCheck(spec({ target: "http://example.org/" }), allowed);
    expect(named.detail).toBe('"example.org" is a name; checks target IP addresses only');
  });

  it("connects over TCP, and says when nothing listens", async () => {
    expect(await runCheck(spec({ kind: "tcp", target: `127.0.0.1:${port}` }), allowed)).toMatchObject({
      ok: true,
      detail: "connected",
    });
    const closed = await runCheck(spec({ kind: "tcp", target: "127.0.0.1:1" }), allowed);
    expect(closed.ok).toBe(false);
    expect(closed.detail).toContain("ECONNREFUSED");
  });
});
