// Issue 22, end to end: a real OpenID provider (the testkit's, PocketID's
// stand-in) and Chromium log users in with the role their group claim maps
// to, or refuse them; a [[user_group]] granting Execute on stacks tagged
// `media` lets its member deploy jellyfin and not postgres, nor read
// postgres's logs or open its terminal, through the API, the CLI and the UI;
// TOTP with recovery codes; a cross-site POST without the CSRF token changes
// nothing; and each of these leaves one audit row with actor and address.
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  daemonHost,
  freePort,
  launchBrowser,
  type RunningOidcProvider,
  startOidcProvider,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { Secret, TOTP } from "otpauth";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, login, type SoloFleet, soloStackToml, startSoloFleet, tugCli } from "../core/fixture.js";
import { daemons, SCREENSHOTS, skip } from "./browser-suite.js";

const shoot = (page: Page, name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}identity-${name}.png`, fullPage: true });
const suffix = String(process.pid);
const project = (name: string) => `${name}-id-${suffix}`;
const MIA = { username: "mia", password: "media password 1" };
const VIC = { username: "vic", password: "viewer password 7" };
const TESS = { username: "tess", password: "two factor password" };
const CLIENT = { clientId: "tugboat", clientSecret: "oidc client secret value" };

const compose = (tag: string) =>
  `services:\n  app:\n    image: local/busybox:1\n    init: true\n    command: ["sh", "-c", "echo ${tag} says hello; exec sleep 2147483647"]\n`;
// As seed repositories hold them: groups in their own file, tags on the stacks.
const USER_GROUPS = `[[user_group]]
name = "media-team"
users = ["mia"]
permissions = [
  { target.type = "Stack", target.tag = "media", level = "Execute", specific = ["Logs", "Terminal"] },
]
`;

type Api = ReturnType<typeof apiClient>;

describe.skipIf(skip !== undefined)("identity: OIDC, permissions, two-factor, CSRF, audit", () => {
  let fleet: SoloFleet;
  let provider: RunningOidcProvider;
  let browser: Browser;
  let port: number;
  let asMia: Api;

  beforeAll(async () => {
    port = await freePort();
    provider = await startOidcProvider({
      client: { ...CLIENT, redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] },
      users: [
        { username: "alice", groups: ["tug-admins"] },
        { username: "olga", groups: ["media-team", "family"] },
        { username: "nobody", groups: ["guests"] },
      ],
    });
    fleet = await startSoloFleet({
      dockerHost: daemonHost(daemons, 0),
      projects: [project("jellyfin"), project("postgres")],
      files: {
        "syncs/stacks.toml": `${soloStackToml("jellyfin", project("jellyfin")).replace('name = "jellyfin"\n', 'name = "jellyfin"\ntags = ["media"]\n')}${soloStackToml("postgres", project("postgres")).replace('name = "postgres"\n', 'name = "postgres"\ntags = ["db"]\n')}`,
        "syncs/users.toml": USER_GROUPS,
        "stacks/jellyfin/compose.yaml": compose("jellyfin"),
        "stacks/postgres/compose.yaml": compose("postgres"),
      },
      settings: {
        port,
        oidc_issuer: provider.issuer,
        oidc_client_id: CLIENT.clientId,
        oidc_client_secret: CLIENT.clientSecret,
        oidc_name: "PocketID",
        oidc_role_map: "tug-admins=admin,media-team=user",
      },
    });
    await fleet.core.context.users.create(MIA.username, MIA.password, "user");
    await fleet.core.context.users.create(VIC.username, VIC.password, "viewer");
    const mia = await login(fleet.core.url, MIA);
    asMia = apiClient(
      () => fleet.core.url,
      () => mia,
    );
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await fleet?.close();
    await provider?.close();
  });

  const oidcLogin = async (username: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(fleet.core.url);
    await page.getByRole("link", { name: "Log in with PocketID" }).waitFor();
    if (username === "alice") await shoot(page, "login");
    await page.getByRole("link", { name: "Log in with PocketID" }).click();
    await page.locator('input[name="login"]').fill(username);
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
    return page;
  };
  const auditRows = async (action: string) =>
    (
      await fleet.api<Array<{ actor: string; action: string; target: string; outcome: string; source: string }>>(
        "GET",
        `/api/audit?action=${action}&limit=1000`,
      )
    ).body;

  it("logs in through the OIDC provider as the role the group claim maps to, and logs out", async () => {
    const page = await oidcLogin("alice");
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await page.getByRole("link", { name: "alice (admin)" }).waitFor();
    expect(page.url()).toBe(`${fleet.core.url}/`);
    const me = await page.evaluate(() => fetch("/api/auth/me").then((r) => r.json()));
    expect(me).toMatchObject({ username: "alice", role: "admin", source: "oidc" });
    // The session is an HttpOnly cookie: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("tug_session");
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("cell", { name: "login" }).first().waitFor();
    await shoot(page, "audit");
    await page.getByRole("link", { name: "alice (admin)" }).click();
    await page.getByText("Your provider handles two-factor.").waitFor();
    await shoot(page, "account");
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("link", { name: "Log in with PocketID" }).waitFor();
    expect(await page.evaluate(() => fetch("/api/auth/me").then((r) => r.status))).toBe(401);
    const logins = (await auditRows("login")).filter((row) => row.actor === "alice");
    expect(logins).toEqual([expect.objectContaining({ outcome: "ok", source: "127.0.0.1" })]);
    expect((await auditRows("logout")).filter((row) => row.actor === "alice")).toHaveLength(1);
    await page.context().close();
  });

  it("shows the provider's button when the dashboard's 401 comes while the login options are on their way", async () => {
    // A logged-out page asks for the dashboard's data at once; its 401 must not drop the login
    // page's query for the options (the provider's button) in flight.
    const context = await browser.newContext();
    const page = await context.newPage();
    const signal = () => {
      let fire!: () => void;
      const fired = new Promise<void>((resolve) => {
        fire = resolve;
      });
      return { fire, fired: Promise.race([fired, new Promise<void>((resolve) => setTimeout(resolve, 10_000))]) };
    };
    const optionsAsked = signal();
    const dashboardAnswered = signal();
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/auth/options") optionsAsked.fire();
    });
    page.on("requestfinished", (request) => {
      if (new URL(request.url()).pathname === "/api/dashboard") dashboardAnswered.fire();
    });
    // The dashboard's 401 is let through once the login page asked for its options, and the
    // options' answer once the page had time to handle that 401.
    await page.route("**/api/dashboard", async (route) => {
      await optionsAsked.fired;
      await route.continue();
    });
    await page.route("**/api/auth/options", async (route) => {
      await dashboardAnswered.fired;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await page.goto(fleet.core.url);
    await page.getByRole("link", { name: "Log in with PocketID" }).waitFor({ timeout: 20_000 });
    await context.close();
  });

  it("keeps a password login when the dashboard's 401, asked before it, comes after it", async () => {
    // The logged-out page asks for the dashboard at once; a slow core answers 401 after the user
    // has logged in. That answer is about no session, not the new one: the app must not log out.
    const context = await browser.newContext();
    const page = await context.newPage();
    let loggedIn!: () => void;
    const afterLogin = new Promise<void>((resolve) => {
      loggedIn = resolve;
    });
    let staleStatus = 0;
    await page.route("**/api/dashboard", async (route) => {
      if (staleStatus !== 0) return route.continue();
      const stale = await route.fetch(); // asked now, logged out: core's real 401
      staleStatus = stale.status();
      await Promise.race([afterLogin, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      await route.fulfill({ response: stale });
    });
    await page.goto(fleet.core.url);
    await page.getByLabel("Username").fill(VIC.username);
    await page.getByLabel("Password").fill(VIC.password);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByRole("link", { name: "vic (viewer)" }).waitFor();
    loggedIn();
    await page.getByLabel("Fleet totals").waitFor({ timeout: 20_000 });
    expect(staleStatus).toBe(401);
    expect(await page.getByLabel("Username").count()).toBe(0);
    await context.close();
  });

  it("refuses an OIDC user none of whose groups maps to a role, with no default role", async () => {
    const page = await oidcLogin("nobody");
    await page.getByText(/nobody is in no group that TUG_OIDC_ROLE_MAP maps to a role/).waitFor();
    await shoot(page, "refused");
    expect(await page.evaluate(() => fetch("/api/auth/me").then((r) => r.status))).toBe(401);
    expect((await fleet.core.context.users.byName("nobody")) ?? null).toBeNull();
    expect((await auditRows("login")).filter((row) => row.actor === "nobody")).toEqual([
      expect.objectContaining({ outcome: "denied", source: "127.0.0.1" }),
    ]);
    await page.context().close();
  });

  it("gives an OIDC user the user groups their claim names: olga sees jellyfin and not postgres", async () => {
    const page = await oidcLogin("olga");
    await page.getByRole("link", { name: "olga (user)" }).waitFor();
    await page.getByRole("link", { name: "Stacks", exact: true }).click();
    await page.getByRole("link", { name: "jellyfin" }).waitFor();
    expect(await page.getByRole("link", { name: "postgres" }).count()).toBe(0);
    await shoot(page, "member-stacks");
    await page.getByRole("link", { name: "jellyfin" }).click();
    await page.getByRole("button", { name: "Deploy" }).waitFor();
    await page.context().close();
  });

  it("lets a member deploy jellyfin and not postgres: 403 and nothing queued (API)", async () => {
    const before = await fleet.core.context.log.store.list({ targetName: "postgres" });
    const refused = await asMia<{ error: { code: string; message: string } }>("POST", "/api/stacks/postgres/deploy");
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("needs Execute");
    expect(await fleet.core.context.log.store.list({ targetName: "postgres" })).toEqual(before);
    const deployed = await asMia<{ updateId: string }>("POST", "/api/stacks/jellyfin/deploy");
    expect(deployed.status).toBe(202);
    const stacks = await asMia<Array<{ name: string; access: { execute: boolean } }>>("GET", "/api/stacks");
    expect(stacks.body.map((s) => [s.name, s.access.execute])).toEqual([["jellyfin", true]]);
  });

  it("hides postgres's logs and terminal from the member, not jellyfin's", async () => {
    expect((await asMia("GET", "/api/stacks/postgres/logs")).status).toBe(403);
    expect((await asMia("POST", "/api/stacks/postgres/shell", { service: "app" })).status).toBe(403);
    expect((await asMia("POST", "/api/stacks/jellyfin/shell", { service: "app" })).status).toBe(200);
    expect((await asMia("GET", "/api/logs?stack=postgres&since=1h")).status).toBe(403);
    expect((await asMia("GET", "/api/logs/tail?stack=postgres")).status).toBe(403);
    const all = await asMia<{ lines: Array<{ stack: string }> }>("GET", "/api/logs?since=1h");
    expect(new Set(all.body.lines.map((line) => line.stack)).has("postgres")).toBe(false);
    expect((await auditRows("terminal.open")).filter((row) => row.actor === "mia")).toEqual([
      expect.objectContaining({ target: "jellyfin", outcome: "ok", source: "127.0.0.1" }),
    ]);
  });

  it("holds in the CLI: the member lists jellyfin only and cannot deploy postgres", async () => {
    const config = await tempDir("tug-identity-cli-");
    try {
      const tug = tugCli(config.path);
      const logged = await tug(
        ["login", "--core", fleet.core.url, "--username", MIA.username, "--password-stdin"],
        `${MIA.password}\n`,
      );
      expect(logged.exitCode, logged.stderr).toBe(0);
      const listed = await tug(["ls", "stacks"]);
      expect(listed.stdout).toContain("jellyfin");
      expect(listed.stdout).not.toContain("postgres");
      const refused = await tug(["deploy", "postgres"]);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toContain("needs Execute");
      const logs = await tug(["logs", "postgres"]);
      expect(logs.exitCode).not.toBe(0);
      expect(logs.stderr).toContain("needs Read with Logs");
      const shell = await tug(["exec", "postgres", "app", "--", "true"]);
      expect(shell.exitCode).not.toBe(0);
      expect(shell.stderr).toContain("needs Execute with Terminal");
      const own = await tug(["logs", "jellyfin"]);
      expect(own.stdout, own.stderr).toContain("jellyfin says hello");
    } finally {
      await config.cleanup();
    }
  });

  it("shows the member only what they may do in the UI", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(fleet.core.url);
    await page.getByLabel("Username").fill(MIA.username);
    await page.getByLabel("Password").fill(MIA.password);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByRole("link", { name: "mia (user)" }).waitFor();
    expect(await page.getByRole("link", { name: "Servers" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Audit" }).count()).toBe(0);
    await page.goto(`${fleet.core.url}/stacks/postgres`);
    await page.getByText(/mia may not do this to stack postgres/).waitFor();
    expect(await page.getByRole("button", { name: "Deploy" }).count()).toBe(0);
    await page.context().close();
  });

  it("TOTP: enrol, log in with a code, refuse and rate-limit wrong codes, a recovery code works once", async () => {
    await fleet.api("POST", "/api/users", { ...TESS, role: "operator" });
    const session = await login(fleet.core.url, TESS);
    const asTess = apiClient(
      () => fleet.core.url,
      () => session,
    );
    const enrolled = await asTess<{ secret: string }>("POST", "/api/auth/totp");
    const totp = new TOTP({ secret: Secret.fromBase32(enrolled.body.secret), digits: 6, period: 30 });
    const confirmed = await asTess<{ recoveryCodes: string[] }>("POST", "/api/auth/totp/confirm", {
      code: totp.generate(),
    });
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    const attempt = (code?: string) =>
      fleet.api<{ token?: string; error?: { code: string } }>(
        "POST",
        "/api/auth/login",
        { ...TESS, ...(code === undefined ? {} : { code }) },
        "",
      );
    expect((await attempt()).body.error?.code).toBe("E_TOTP_REQUIRED");
    // The code that turned it on was used; the next step's is fresh (and works once).
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    expect((await attempt(next)).body.token).toMatch(/^tgs_/);
    const [recovery] = confirmed.body.recoveryCodes;
    expect((await attempt(recovery)).body.token).toMatch(/^tgs_/);
    expect((await attempt(recovery)).status).toBe(401);
    // Four more wrong codes make five in a row: then even the right code waits.
    for (let i = 0; i < 4; i += 1) expect((await attempt("000000")).status).toBe(401);
    expect((await attempt(totp.generate())).status).toBe(429);
    expect((await auditRows("totp.enable")).filter((row) => row.actor === "tess")).toHaveLength(1);
    const failed = (await auditRows("login")).filter((row) => row.actor === "tess" && row.outcome === "failed");
    expect(failed).toHaveLength(5);
  });

  it("tug login takes the code; an admin turns a lost device's two-factor off", async () => {
    const TINA = { username: "tina", password: "another long password" };
    await fleet.api("POST", "/api/users", { ...TINA, role: "viewer" });
    const session = await login(fleet.core.url, TINA);
    const asTina = apiClient(
      () => fleet.core.url,
      () => session,
    );
    const { secret } = (await asTina<{ secret: string }>("POST", "/api/auth/totp")).body;
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
    expect((await asTina("POST", "/api/auth/totp/confirm", { code: totp.generate() })).status).toBe(200);
    const config = await tempDir("tug-totp-cli-");
    try {
      const tug = tugCli(config.path);
      const args = ["login", "--core", fleet.core.url, "--username", TINA.username, "--password-stdin"];
      const without = await tug(args, `${TINA.password}\n`);
      expect(without.exitCode).not.toBe(0);
      expect(without.stderr).toContain("pass --code");
      const next = totp.generate({ timestamp: Date.now() + 30_000 });
      expect((await tug([...args, "--code", next], `${TINA.password}\n`)).exitCode).toBe(0);
      expect((await fleet.api("DELETE", "/api/users/tina/totp")).status).toBe(200);
      const after = await tug(args, `${TINA.password}\n`);
      expect(after.exitCode, after.stderr).toBe(0);
    } finally {
      await config.cleanup();
    }
    expect((await auditRows("totp.disable")).map((row) => [row.actor, row.target])).toEqual([["admin", "tina"]]);
  });

  it("refuses a cross-site POST without the CSRF token, and changes nothing", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(fleet.core.url);
    await page.getByLabel("Username").fill(VIC.username);
    await page.getByLabel("Password").fill(VIC.password);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByRole("link", { name: "vic (viewer)" }).waitFor();
    const keys = async () => (await fleet.api<unknown[]>("GET", "/api/auth/api-keys")).body.length;
    const before = await keys();
    // Another origin's page posts with the user's cookies, as a malicious site would.
    const evil = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        `<script>fetch(${JSON.stringify(`${fleet.core.url}/api/auth/api-keys`)}, { method: "POST", credentials: "include", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ name: "stolen" }) }).then(() => document.title = "sent", () => document.title = "sent");</script>`,
      );
    });
    evil.listen(0, "127.0.0.1");
    await new Promise((resolve) => evil.once("listening", resolve));
    try {
      const attacker = await context.newPage();
      await attacker.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      await attacker.waitForFunction(() => document.title === "sent");
      // The same request from core's own page without the header is refused for the token.
      const direct = await page.evaluate(() =>
        fetch("/api/auth/api-keys", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "no-token" }),
        }).then(async (r) => ({ status: r.status, body: await r.json() })),
      );
      expect(direct.status).toBe(403);
      expect(direct.body.error.message).toContain("CSRF");
      expect(await keys()).toBe(before);
      // With the token, as the UI sends it, it works.
      const created = await page.evaluate(() => {
        const csrf = /tug_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "";
        return fetch("/api/auth/api-keys", {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": decodeURIComponent(csrf) },
          body: JSON.stringify({ name: "mine" }),
        }).then((r) => r.status);
      });
      expect(created).toBe(201);
      expect(await keys()).toBe(before + 1);
      expect((await auditRows("api_key.create")).filter((row) => row.actor === "vic")).toHaveLength(1);
    } finally {
      evil.close();
      await context.close();
    }
  });

  it("applies a pushed permission change at the next sync, and audits who applied it", async () => {
    expect((await auditRows("user_group.create")).map((row) => [row.target, row.source])).toEqual([
      ["media-team", "sync root"],
    ]);
    expect((await asMia("GET", "/api/stacks/postgres")).status).toBe(403);
    await fleet.repo.write(
      "syncs/users.toml",
      USER_GROUPS.replace(
        "permissions = [\n",
        'permissions = [\n  { target.type = "Stack", target.id = "postgres", level = "Read" },\n',
      ),
    );
    await fleet.repo.commitAndPush("mia may look at postgres");
    expect((await fleet.api("POST", "/api/syncs/root/run")).status).toBe(202);
    await waitFor(async () => ((await asMia("GET", "/api/stacks/postgres")).status === 200 ? true : undefined), {
      what: "the new permission",
      timeoutMs: 30_000,
    });
    expect((await asMia("POST", "/api/stacks/postgres/deploy")).status).toBe(403); // Read, not Execute
    expect((await auditRows("user_group.update")).map((row) => [row.actor, row.target])).toEqual([
      ["admin", "media-team"],
    ]);
  });

  it("keeps the audit trail from a viewer", async () => {
    const vic = await login(fleet.core.url, VIC);
    expect((await fleet.api("GET", "/api/audit", undefined, vic)).status).toBe(403);
  });
});
