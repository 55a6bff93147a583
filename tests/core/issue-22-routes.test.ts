// Issue 22: no route is open by accident. Every operation of the OpenAPI
// document carries an explicit access rule; the public ones are exactly the
// listed few; every route about one named resource checks a permission on
// it. Then each route is called for real: with no credentials it answers
// 401 (public and webhook routes aside), and a user with no permission gets
// 403 from every resource route and from every role route.
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import { type GitRepo, gitRepo, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, startTestCore } from "./fixture.js";

type Access = string | { role: string } | { kind: string; level: string; specific?: string };
interface Operation {
  "x-tugboat-access"?: Access;
}

/** Routes anyone may call, and why. */
const PUBLIC: Record<string, string> = {
  "GET /api/health": "liveness",
  "GET /api/auth/options": "the login page",
  "POST /api/auth/login": "logging in",
  "GET /api/auth/oidc/login": "starting an OIDC login",
  "GET /api/auth/oidc/callback": "the provider's redirect",
  "POST /webhooks/github/sync/{name}": "signed by the webhook secret",
  "POST /webhooks/gitlab/sync/{name}": "signed by the webhook secret",
};
/** Routes with a `{name}` that are about the whole fleet, not that resource. */
const NAMED_BY_ROLE = [
  "POST /api/servers/{name}/accept-certificate",
  "POST /api/servers/{name}/enroll",
  "DELETE /api/servers/{name}/enroll",
  "POST /api/alerters/{name}/test",
  "PUT /api/variables/{name}",
  "DELETE /api/variables/{name}",
];

describe("OIDC-only mode", () => {
  it("refuses password logins except the break-glass admin's, and says so to the login page", async () => {
    const data = await tempDir("tug-oidc-only-");
    const repo = await gitRepo();
    try {
      await repo.write("syncs/servers.toml", "");
      await repo.commitAndPush("empty");
      const core = await startTestCore({
        dataDir: data.path,
        syncRepo: repo.remote,
        // The provider is not reached until someone clicks its button.
        settings: {
          oidc_only: true,
          oidc_issuer: "http://127.0.0.1:9/",
          oidc_client_id: "tugboat",
          oidc_name: "PocketID",
        },
      });
      try {
        await core.context.users.create("local", "a local password", "operator");
        const options = await (await fetch(`${core.url}/api/auth/options`)).json();
        expect(options).toEqual({ password: false, oidc: { name: "PocketID", url: "/api/auth/oidc/login" } });
        const refused = await fetch(`${core.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "local", password: "a local password" }),
        });
        expect(refused.status).toBe(403);
        expect(await login(core.url)).toMatch(/^tgs_/); // the break-glass admin
        const rows = await core.context.audit.list({ actor: "local", limit: 10 });
        expect(rows.map((r) => [r.action, r.outcome])).toEqual([["login", "denied"]]);
      } finally {
        await core.close();
      }
    } finally {
      await repo.cleanup();
      await data.cleanup();
    }
  });
});

describe("every route has an access rule", () => {
  let data: TempDir;
  let repo: GitRepo;
  let core: RunningCore;
  let operations: Array<{ key: string; method: string; path: string; access: Access | undefined }>;

  beforeAll(async () => {
    data = await tempDir("tug-routes-");
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", "");
    await repo.commitAndPush("empty");
    core = await startTestCore({ dataDir: join(data.path, "core"), syncRepo: repo.remote });
    const doc = (await (await fetch(`${core.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        access: op["x-tugboat-access"],
      })),
    );
    await core.context.users.create("nobody", "a password with no grants", "user");
  });

  afterAll(async () => {
    await core?.close();
    await repo?.cleanup();
    await data?.cleanup();
  });

  const concrete = (path: string) =>
    path
      .replace("{name}", "anything")
      .replace("{id}", "1")
      .replace("{username}", "admin")
      .replace("{registry}", "r.example");
  const call = (method: string, path: string, token?: string) =>
    fetch(`${core.url}${concrete(path)}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }),
      },
      ...(method === "GET" || method === "DELETE" ? {} : { body: "{}" }),
    });

  it("declares one on every operation, public only where listed, a resource permission on named resources", () => {
    expect(operations.length).toBeGreaterThan(60);
    for (const { key, path, access } of operations) {
      if (key in PUBLIC) {
        expect(access, key).toBeUndefined(); // public and webhook routes carry no security in the document
        continue;
      }
      expect(access, `${key} has no access rule`).toBeDefined();
      if (/^\/api\/(stacks|servers|syncs|swarms)\/\{name\}/.test(path) && !NAMED_BY_ROLE.includes(key))
        expect(access, `${key} checks a permission on the resource`).toMatchObject({ level: expect.any(String) });
    }
    const declaredPublic = operations.filter((o) => o.access === undefined).map((o) => o.key);
    expect(declaredPublic.sort()).toEqual(Object.keys(PUBLIC).sort());
    // Routes the document leaves out (the shell's WebSocket, the document itself) declare one too.
    for (const route of core.routes) expect(route.access, `${route.method} ${route.url}`).toBeDefined();
    const hidden = core.routes.filter(
      (r) => r.access === "public" && !declaredPublic.includes(`${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`),
    );
    expect(hidden.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      "GET /api/openapi.json",
      "GET /api/stacks/:name/shell",
    ]);
  });

  it("answers 401 without credentials on every route that is not public", async () => {
    for (const { key, method, path } of operations) {
      if (key in PUBLIC) continue;
      const res = await call(method, path);
      expect(res.status, key).toBe(401);
    }
  });

  it("lets an API key act as its user, narrowed to a level", async () => {
    const admin = await login(core.url);
    const created = await fetch(`${core.url}/api/auth/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "dashboards", maxLevel: "Read" }),
    });
    const { key, maxLevel } = (await created.json()) as { key: string; maxLevel: string };
    expect(maxLevel).toBe("Read");
    expect((await call("GET", "/api/stacks", key)).status).toBe(200);
    expect((await call("GET", "/api/variables", key)).status).toBe(200);
    expect((await call("POST", "/api/stacks/{name}/deploy", key)).status).toBe(403);
    expect((await call("GET", "/api/audit", key)).status).toBe(403);
    const another = await fetch(`${core.url}/api/auth/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "wider" }),
    });
    expect(another.status).toBe(403);
    const me = (await (await call("GET", "/api/auth/me", key)).json()) as { role: string; maxLevel: string };
    expect(me).toMatchObject({ role: "admin", maxLevel: "Read" });
  });

  it("lists a user's sessions and ends one; an admin manages users, each change audited", async () => {
    const first = await login(core.url, { username: "nobody", password: "a password with no grants" });
    const second = await login(core.url, { username: "nobody", password: "a password with no grants" });
    const sessions = (await (await call("GET", "/api/auth/sessions", second)).json()) as Array<{
      id: string;
      current: boolean;
    }>;
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !s.current);
    expect((await call("DELETE", `/api/auth/sessions/${other?.id}`, second)).status).toBe(200);
    expect((await call("GET", "/api/auth/me", first)).status).toBe(401);
    expect((await call("GET", "/api/auth/me", second)).status).toBe(200);

    const admin = await login(core.url);
    const asAdmin = (method: string, path: string, body?: unknown) =>
      fetch(`${core.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await asAdmin("POST", "/api/users", { username: "temp", password: "short", role: "viewer" })).status).toBe(
      400,
    );
    expect(
      (await asAdmin("POST", "/api/users", { username: "temp", password: "a long enough one", role: "viewer" })).status,
    ).toBe(201);
    expect((await asAdmin("PUT", "/api/users/temp/role", { role: "operator" })).status).toBe(200);
    expect((await asAdmin("DELETE", "/api/users/admin")).status).toBe(400); // not yourself
    expect((await asAdmin("DELETE", "/api/users/temp")).status).toBe(200);
    const audit = (await (await asAdmin("GET", "/api/audit?actor=admin&limit=50")).json()) as Array<{
      action: string;
      target: string;
      source: string;
    }>;
    const about = audit.filter((row) => row.target === "temp").map((row) => row.action);
    expect(about.sort()).toEqual(["user.create", "user.delete", "user.role"]);
    expect(audit.every((row) => row.source === "127.0.0.1")).toBe(true);
  });

  it("counts on the dashboard the stacks each user may read: all for the admin, none for a user with no grants", async () => {
    const stacks = core.context.stacks;
    for (const [name, server] of [
      ["dash-a", "dash-1"],
      ["dash-b", "dash-1"],
      ["dash-c", "dash-2"],
    ] as const)
      await stacks.upsertDesired({ name, server, sync: "root", project: name, spec: {}, fingerprint: "f" });
    await stacks.setState("dash-a", "running");
    await stacks.setDrift("dash-b", [{ kind: "missing", service: "app", message: "app: its container is missing" }]);
    try {
      const dashboard = async (token: string) =>
        (await (await call("GET", "/api/dashboard", token)).json()) as {
          totals: { stacks: number; byState: Record<string, number>; drifted: number };
        };
      const all = await dashboard(await login(core.url));
      expect(all.totals).toMatchObject({ stacks: 3, byState: { running: 1, unknown: 2 }, drifted: 1 });
      const none = await dashboard(
        await login(core.url, { username: "nobody", password: "a password with no grants" }),
      );
      expect(none.totals).toMatchObject({ stacks: 0, byState: {}, drifted: 0 });
    } finally {
      for (const name of ["dash-a", "dash-b", "dash-c"]) await stacks.remove(name);
    }
  });

  it("answers 403 to a user with no permission on every resource and role route", async () => {
    const token = await login(core.url, { username: "nobody", password: "a password with no grants" });
    // An update about a stack: its record is readable only by who may read the stack.
    const update = await core.context.log.store.create({
      operation: "deploy",
      targetKind: "stack",
      targetName: "anything",
      trigger: "user",
      actor: "admin",
    });
    for (const { key, method, path, access } of operations) {
      if (access === undefined || access === "signed-in") continue;
      const res = await call(method, path.replace("{id}", path.startsWith("/api/updates") ? update : "{id}"), token);
      expect(res.status, key).toBe(403);
    }
  });
});
