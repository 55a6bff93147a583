// Issue 12, items 6 and 10, and "every wire shape declared once": roles fail
// closed, queries are validated, sessions and API keys can be ended, the
// scheme is case-insensitive, login time does not reveal users, the database
// is private, slow clients are cut off, and every route declares a role and
// its replies (the OpenAPI document, generated from them, is pinned).
import { readFile, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import { type GitRepo, gitRepo, type HttpReceiver, httpReceiver, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, login, startTestCore } from "./fixture.js";

describe("core's API, hardened", () => {
  let data: TempDir;
  let repo: GitRepo;
  let core: RunningCore;
  let admin: string;
  let receiver: HttpReceiver;

  const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
    fetch(`${core.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    data = await tempDir("tug-api-");
    receiver = await httpReceiver();
    repo = await gitRepo();
    await repo.write(
      "syncs/alerters.toml",
      `[[alerter]]\nname = "lan"\n[alerter.config]\nendpoint.type = "Custom"\nendpoint.params = { url = "${receiver.url}/hook" }\n`,
    );
    await repo.commitAndPush("empty");
    core = await startTestCore({
      dataDir: join(data.path, "core"),
      syncRepo: repo.remote,
      settings: { request_timeout_seconds: 1 },
    });
    admin = await login(core.url);
  });

  afterAll(async () => {
    await core?.close();
    await receiver?.close();
    await repo?.cleanup();
    await data?.cleanup();
  });

  it("declares a role and a reply schema on every API route", () => {
    expect(core.routes.length).toBeGreaterThan(30);
    for (const route of core.routes) {
      expect(route.access, `${route.method} ${route.url}`).toBeDefined();
      expect(route.replies.length, `${route.method} ${route.url}`).toBeGreaterThan(0);
    }
  });

  it("serves the OpenAPI document generated from the routes, as committed in docs/openapi.json", async () => {
    const served = await (await fetch(`${core.url}/api/openapi.json`)).json();
    const committed = JSON.parse(await readFile(new URL("../../docs/openapi.json", import.meta.url), "utf8"));
    expect(served).toEqual(committed);
    const paths = Object.keys((served as { paths: object }).paths);
    expect(paths).toContain("/api/auth/api-keys");
    const table = await readFile(new URL("../../docs/api.md", import.meta.url), "utf8");
    for (const path of paths) expect(table, `docs/api.md lists ${path}`).toContain(` ${path}\``);
  });

  it("refuses a user whose role it does not know", async () => {
    await core.context.users.create("odd", "odd password", "superuser" as "viewer");
    const token = await login(core.url, { username: "odd", password: "odd password" });
    const res = await call("GET", "/api/stacks", token);
    expect(res.status).toBe(403);
  });

  it("validates queries: no negative, huge or non-numeric limits", async () => {
    for (const limit of ["-1", "abc", "5000", "1.5"]) {
      const res = await call("GET", `/api/updates?limit=${limit}`, admin);
      expect(res.status, limit).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("E_INVALID_REQUEST");
    }
    expect((await call("GET", "/api/alerts?limit=-5", admin)).status).toBe(400);
    expect((await call("GET", "/api/updates?limit=3", admin)).status).toBe(200);
  });

  it("accepts the Bearer scheme in any case", async () => {
    const res = await fetch(`${core.url}/api/auth/me`, { headers: { authorization: `bearer ${admin}` } });
    expect(res.status).toBe(200);
  });

  it("ends a session on logout", async () => {
    const token = await login(core.url);
    expect((await call("POST", "/api/auth/logout", token)).status).toBe(200);
    expect((await call("GET", "/api/auth/me", token)).status).toBe(401);
  });

  it("lists and revokes API keys; a viewer cannot revoke someone else's", async () => {
    const created = (await (await call("POST", "/api/auth/api-keys", admin, { name: "ci" })).json()) as {
      id: number;
      key: string;
    };
    expect((await call("GET", "/api/servers", created.key)).status).toBe(200);
    const listed = (await (await call("GET", "/api/auth/api-keys", admin)).json()) as Array<Record<string, unknown>>;
    expect(listed).toContainEqual(expect.objectContaining({ id: created.id, name: "ci", username: ADMIN.username }));
    expect(JSON.stringify(listed)).not.toContain(created.key);
    await core.context.users.create("peer", "peer password", "viewer");
    const peer = await login(core.url, { username: "peer", password: "peer password" });
    expect((await call("DELETE", `/api/auth/api-keys/${created.id}`, peer)).status).toBe(404);
    expect((await call("DELETE", `/api/auth/api-keys/${created.id}`, admin)).status).toBe(200);
    expect((await call("GET", "/api/servers", created.key)).status).toBe(401);
  });

  it("takes as long for an unknown user as for a wrong password", async () => {
    const time = async (username: string) => {
      const started = performance.now();
      await call("POST", "/api/auth/login", undefined, { username, password: "wrong password" });
      return performance.now() - started;
    };
    await time(ADMIN.username); // warm up argon2
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      known.push(await time(ADMIN.username));
      unknown.push(await time(`nobody-${i}`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // Without a decoy hash an unknown user answers in well under a millisecond, against tens for argon2.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  });

  it("lets an alerter reach no loopback or private address unless allowed", async () => {
    await core.context.engine.check("root", { trigger: "poll", actor: "poll" });
    const delivery = (await (await call("POST", "/api/alerters/lan/test", admin)).json()) as {
      status: string;
      lastError: string;
    };
    expect(delivery.status).toBe("failed");
    expect(delivery.lastError).toContain("TUG_ALERTER_ALLOW_PRIVATE");
    expect(receiver.requests).toEqual([]);
  });

  it("keeps its database readable only by its own user", async () => {
    expect((await stat(join(data.path, "core", "tugboat.db"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(data.path, "core"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(data.path, "core", "core.key"))).mode & 0o777).toBe(0o600);
  });

  it("cuts off clients that trickle their request", async () => {
    const sockets = Array.from({ length: 20 }, () => connect(core.port, "127.0.0.1"));
    const closed = sockets.map(
      (socket) => new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now()))),
    );
    const started = Date.now();
    for (const socket of sockets) {
      socket.on("error", () => {});
      socket.write(
        "POST /api/auth/login HTTP/1.1\r\nhost: core\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{",
      );
    }
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(" ");
    }, 200);
    try {
      const ends = await Promise.race([
        Promise.all(closed),
        new Promise<undefined>((resolve) => setTimeout(resolve, 20_000)),
      ]);
      expect(ends, "every slow connection closed by core").toBeDefined();
      expect(Math.max(...(ends ?? [])) - started).toBeLessThan(15_000);
    } finally {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
    }
  });
});
