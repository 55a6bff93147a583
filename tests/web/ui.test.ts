// The web UI end to end, in Debian's Chromium against a real core, an agent
// and a private dockerd: log in, the dashboard, a pending plan and "Run
// sync", a deploy watched live to "success", a failed deploy's error, and a
// viewer who sees no action buttons and gets 403 from the API anyway; a
// stack whose container was removed by hand shows as drifted; a stack whose
// image has a newer digest and a newer version in a real registry shows it,
// checks on demand and updates from its page.
// Screenshots of the main pages at phone and desktop widths go to
// test-results/screenshots/ for a reviewer.
import { mkdir } from "node:fs/promises";
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  docker,
  freePort,
  type GitRepo,
  gitRepo,
  launchBrowser,
  startRegistry,
  type TempDir,
  type TestRegistry,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, lastUpdates, logTail, removeProjects, startTestAgent, startTestCore } from "../core/fixture.js";
import { daemons, SCREENSHOTS, skip, WIDTHS } from "./browser-suite.js";

const VIEWER = { username: "viv", password: "viewer password 1" };

const steady = (port: number) => `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "echo hello from the app; echo ok > /var/www/index.html; httpd -p 8080 -h /var/www; exec sleep 2147483647"]
    restart: unless-stopped
    ports:
      - "127.0.0.1:${port}:8080"
    labels:
      tugboat.check.http: "http://127.0.0.1:${port}/"
      tugboat.check.interval: "1s"
`;
const broken = `services:
  app:
    image: local/busybox:1
    command: ["sh", "-c", "echo about to fail; exit 1"]
    restart: "no"
`;

describe.skipIf(skip !== undefined)("web UI", () => {
  const dirs: TempDir[] = [];
  let host: string;
  let agent: RunningAgent;
  let repo: GitRepo;
  let core: RunningCore;
  let browser: Browser;
  let registry: TestRegistry;
  let page: Page;
  const id = Math.random().toString(16).slice(2, 8);
  const project = (stack: string) => `${stack}-ui-${id}`;
  const coreLog = logTail();
  const agentLog = logTail();

  const logIn = async (user: { username: string; password: string }) => {
    await page.goto(core.url);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  };
  const shoot = async (name: string) => {
    for (const [size, viewport] of Object.entries(WIDTHS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: `${SCREENSHOTS}${name}-${size}.png`, fullPage: true });
    }
    await page.setViewportSize(WIDTHS.desktop);
  };

  beforeAll(async () => {
    host = daemonHost(daemons, 1);
    registry = await startRegistry();
    for (const tag of ["1.0.0", "1.0.1"]) await registry.push("team/web", tag, { labels: { tag } });
    const agentDir = await tempDir("tug-ui-agent-");
    dirs.push(agentDir);
    agent = await startTestAgent({ dockerHost: host, root: agentDir.path, log: agentLog.log });
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      `[[server]]\nname = "alpha"\ntags = ["nas"]\n[server.config]\naddress = "${agent.url}"\nfingerprint = "${agent.fingerprint}"\nenabled = true\nregion = "home"\n`,
    );
    const stack = (name: string) =>
      `[[stack]]\nname = "${name}"\n[stack.config]\nserver = "alpha"\nproject_name = "${project(name)}"\nrun_directory = "stacks/${name}"\nenvironment = """\nGREETING=hi\n"""\n\n`;
    await repo.write(
      "syncs/stacks.toml",
      `${stack("hello")}${stack("broken")}${stack("ticker")}${stack("imaged").replace("[stack.config]\n", "[stack.config]\npoll_for_updates = true\n")}`,
    );
    await repo.write(
      "stacks/imaged/compose.yaml",
      `services:\n  web:\n    image: ${registry.host}/team/web:1.0.0\n    init: true\n    command: ["sleep", "2147483647"]\n`,
    );
    await repo.write("stacks/hello/compose.yaml", steady(await freePort()));
    await repo.write("stacks/broken/compose.yaml", broken);
    await repo.write(
      "stacks/ticker/compose.yaml",
      'services:\n  app:\n    image: local/busybox:1\n    init: true\n    command: ["sh", "-c", "i=1; while true; do echo tick $$i; i=$$((i+1)); sleep 0.5; done"]\n',
    );
    await repo.commitAndPush("three stacks");
    const data = await tempDir("tug-ui-core-");
    dirs.push(data);
    // Not managed: the first commit waits as a pending plan for "Run sync".
    core = await startTestCore({
      dataDir: data.path,
      syncRepo: repo.remote,
      settings: { sync_managed: false },
      log: coreLog.log,
    });
    await core.context.users.create(VIEWER.username, VIEWER.password, "viewer");
    await waitFor(async () => ((await core.context.syncs.get("root"))?.status === "pending" ? true : undefined), {
      what: "the plan to be held",
      timeoutMs: 60_000,
    });
    await core.pollStatus();
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: WIDTHS.desktop });
  });

  afterEach(async (context) => {
    if (context.task.result?.state !== "fail") return;
    // What the browser showed and what core recorded when a test failed, for whoever reads the failure.
    if (page)
      await page.screenshot({
        path: `${SCREENSHOTS}failed-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}.png`,
      });
    if (core) console.error(`core's last updates:\n${await lastUpdates(core)}`);
    console.error(`core's log:\n${coreLog.text()}\nthe agent's log:\n${agentLog.text()}`);
  });

  afterAll(async () => {
    await browser?.close();
    await core?.close();
    await agent?.close();
    if (host) await removeProjects(host, [project("hello"), project("broken"), project("imaged"), project("ticker")]);
    await registry?.stop();
    await repo?.cleanup();
    for (const dir of dirs) await dir.cleanup();
  });

  it("logs an admin in, shows the pending plan as a diff with each deploy's reasons, and runs the sync", async () => {
    await logIn(ADMIN);
    await page.getByRole("link", { name: "Syncs" }).click();
    const plan = page.getByRole("region", { name: "pending plan of root" });
    await expect.poll(() => plan.textContent()).toContain("+ stack hello");
    expect(await plan.textContent()).toMatch(/hello → alpha \(wave 1\): .*new stack/);
    await shoot("syncs-pending");

    await page.getByRole("button", { name: "Run sync" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    // "broken" fails, so the sync ends failed; "hello" runs on the daemon.
    await expect
      .poll(() => page.getByRole("region", { name: "sync root" }).textContent(), { timeout: 120_000 })
      .toContain("failed");
    const running = await docker(host, [
      "ps",
      "-q",
      "--filter",
      `label=com.docker.compose.project=${project("hello")}`,
    ]);
    expect(running.stdout.trim()).not.toBe("");
  });

  it("shows the fleet on the dashboard once the sync applied", async () => {
    await core.pollStatus();
    await page.getByRole("link", { name: "Dashboard" }).click();
    const card = page.getByRole("article", { name: "server alpha" });
    await expect.poll(() => card.textContent()).toContain("reachable");
    expect(await card.textContent()).toContain("home #nas");
    await page.getByLabel("Tag").selectOption("nas");
    expect(await card.isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel("Fleet totals").textContent()).toMatch(/1\/1\s*servers reachable/);
    await shoot("dashboard");
  });

  it("deploys a stack from its page and streams the update live to success", async () => {
    await page.goto(`${core.url}/stacks/hello`);
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(/\/updates\/[0-9a-f-]+$/);
    const result = page.getByRole("status", { name: "result" });
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toBe("success");
    expect(await page.getByRole("log", { name: "output" }).textContent()).not.toBe("");
    await shoot("deploy-success");

    await page.goto(`${core.url}/stacks/hello`);
    // The log tail is asked through the agent beside the page's other requests: on a loaded CI
    // host it once took longer than poll's default 5 s (the deploy before it took 20 s there).
    await expect
      .poll(() => page.getByRole("log", { name: "logs of hello" }).textContent(), { timeout: 30_000 })
      .toContain("hello from the app");
    await expect.poll(() => page.locator("table").first().textContent()).toContain("running");
    expect(await page.locator("pre.code").last().textContent()).toContain("GREETING=hi");
    await shoot("stack");
  });

  it("shows why a deploy failed", async () => {
    await page.goto(`${core.url}/stacks/broken`);
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(/\/updates\//);
    const failure = page.getByRole("alert", { name: "result" });
    await failure.waitFor({ timeout: 120_000 });
    expect(await failure.textContent()).toMatch(/app: exited with code 1/);
    expect(await failure.textContent()).toContain("about to fail");
    await shoot("deploy-failed");
  });

  it("renders the server, stacks, alerts and updates pages", async () => {
    // Browser paths get the app; unknown API paths get a JSON 404, query string or not.
    const app = await fetch(`${core.url}/servers/alpha?range=1h`);
    expect([app.status, app.headers.get("content-type")]).toEqual([200, expect.stringMatching(/text\/html/)]);
    const missing = await fetch(`${core.url}/api/nope?x=1`);
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([
      404,
      "E_NOT_FOUND",
    ]);
    await core.pollStatus();
    for (const [path, name, text] of [
      ["/servers/alpha", "server", "Agent version"],
      ["/stacks", "stacks", "4 of 4 stacks"],
      ["/alerts?", "alerts", "StackDeployFailed"],
      ["/updates", "updates", "deploy broken"],
    ] as const) {
      await page.goto(`${core.url}${path}`);
      if (name === "alerts") await page.getByLabel("Status").selectOption("all");
      await expect.poll(() => page.locator("main").textContent()).toContain(text);
      await shoot(name);
    }
  });

  it("sets a secret and a variable on the Variables page; the secret's value is never shown again", async () => {
    const secret = `ui-secret-${id}`;
    await page.getByRole("link", { name: "Variables" }).click();
    const form = page.getByRole("form", { name: "set a variable" });
    await form.getByLabel("Name").fill("DB_PASSWORD");
    await form.getByLabel("Value").fill(secret);
    await form.getByRole("button", { name: "Set" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("secret, not shown");
    await form.getByLabel("Name").fill("DOMAIN");
    await form.getByLabel("Secret").uncheck();
    await form.getByLabel("Value").fill("example.org");
    await form.getByRole("button", { name: "Set" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("example.org");
    expect(await page.content()).not.toContain(secret);
    const held = await core.context.variables.list();
    expect(held.map((v) => [v.name, v.secret]).sort()).toEqual([
      ["DB_PASSWORD", true],
      ["DOMAIN", false],
    ]);
    await shoot("variables");
  });

  it("shows a stack's uptime checks on its page", async () => {
    await core.pollStatus();
    await page.goto(`${core.url}/stacks/hello`);
    const checks = page.getByRole("table", { name: "uptime checks" });
    await expect.poll(() => checks.textContent()).toContain("200 OK");
    expect(await checks.textContent()).toContain("100%");
    await shoot("stack-checks");
  });

  it("shows a newer image and newer versions, checks on demand, and updates from the stack's page", async () => {
    const next = await registry.push("team/web", "1.0.0", { labels: { tag: "1.0.0", build: "2" } });
    await page.goto(`${core.url}/stacks/imaged`);
    await page.getByRole("button", { name: "Check now" }).click();
    const images = page.getByRole("table", { name: "images" });
    await expect.poll(() => images.textContent()).toContain("update available");
    expect(await images.textContent()).toContain("newer: patch 1.0.1");
    expect(await images.textContent()).toContain("edit stacks/imaged/compose.yaml:3");
    await shoot("stack-images");
    await page.goto(`${core.url}/stacks`);
    await expect.poll(() => page.locator("main").textContent()).toContain("image update");
    await page.goto(`${core.url}/`);
    await expect.poll(() => page.getByLabel("Fleet totals").textContent()).toMatch(/1\s*with image updates/);
    expect(await page.getByRole("article", { name: "server alpha" }).textContent()).toContain("1 with image updates");
    await shoot("dashboard-images");

    await page.goto(`${core.url}/stacks/imaged`);
    await page.getByRole("button", { name: "Update now" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(/\/updates\/[0-9a-f-]+$/);
    const result = page.getByRole("status", { name: "result" });
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toBe("success");
    const running = await docker(host, [
      "ps",
      "-q",
      "--filter",
      `label=com.docker.compose.project=${project("imaged")}`,
    ]);
    const image = (await docker(host, ["inspect", "-f", "{{.Image}}", running.stdout.trim()])).stdout.trim();
    expect((await docker(host, ["image", "inspect", "-f", "{{json .RepoDigests}}", image])).stdout).toContain(
      next.digest,
    );
  });

  it("searches a stack's logs from its page, marks the words, opens a line's context, and follows live", async () => {
    await page.goto(`${core.url}/stacks/hello`);
    await page.getByRole("link", { name: "search its logs" }).click();
    await page.waitForURL(/\/logs\?stack=hello$/);
    const lines = page.getByRole("log", { name: "log lines" });
    await expect.poll(() => lines.textContent(), { timeout: 30_000 }).toContain("hello from the app");
    await page.getByLabel("Words to find").fill("hello");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=hello/);
    await expect.poll(() => page.locator(".log-line mark").first().textContent()).toBe("hello");
    await page.locator(".log-line button.text").first().click();
    await expect
      .poll(() => page.getByRole("region", { name: "context" }).textContent())
      .toContain("hello from the app");
    await shoot("logs");

    await page.goto(`${core.url}/logs?stack=ticker`);
    await expect.poll(() => lines.textContent(), { timeout: 30_000 }).toContain("tick");
    await page.getByLabel("Live").check();
    const count = async () => page.locator(".log-line").count();
    const before = await count();
    await expect.poll(count, { timeout: 10_000 }).toBeGreaterThan(before + 2);
    expect(await lines.textContent()).toMatch(/ticker\/app\s*tick \d+/);
  });

  it("opens a shell from the stack page: types echo $HOSTNAME and reads the container's hostname back", async () => {
    const container = (
      await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project("hello")}`])
    ).stdout.trim();
    const hostname = (await docker(host, ["inspect", "-f", "{{.Config.Hostname}}", container])).stdout.trim();
    await page.goto(`${core.url}/stacks/hello`);
    await page.getByRole("button", { name: "shell in app" }).click();
    const rows = page.getByRole("application", { name: "shell in app" }).locator(".xterm-rows");
    await expect.poll(() => rows.textContent(), { timeout: 30_000 }).toContain("#");
    await page.keyboard.type("echo host:$HOSTNAME");
    await page.keyboard.press("Enter");
    await expect.poll(() => rows.textContent()).toContain(`host:${hostname}`);
    await shoot("stack-shell");
    await page.keyboard.type("exit");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.getByRole("status").filter({ hasText: "the shell ended" }).textContent())
      .toContain("code 0");
  });

  it("shows drift where an operator looks first: the dashboard totals, the stacks list and the stack page", async () => {
    const running = await docker(host, [
      "ps",
      "-q",
      "--filter",
      `label=com.docker.compose.project=${project("hello")}`,
    ]);
    await docker(host, ["rm", "-f", running.stdout.trim()]);
    await core.pollStatus();
    await page.goto(`${core.url}/`);
    await expect.poll(() => page.getByLabel("Fleet totals").textContent()).toMatch(/1\s*drifted/);
    await page.goto(`${core.url}/stacks`);
    await expect.poll(() => page.locator("main").textContent()).toContain("drifted");
    await page.goto(`${core.url}/stacks/hello`);
    const notice = page.getByRole("status").filter({ hasText: "Drifted from what Tugboat deployed" });
    await expect.poll(() => notice.textContent()).toContain("app: its container is missing");
    expect(await page.locator("main").textContent()).toContain("Self-heal off · automatic rollback on");
    await shoot("stack-drifted");
  });

  it("gives a viewer no action buttons, and a 403 if it calls the API anyway", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(VIEWER);
    await page.goto(`${core.url}/stacks/hello`);
    await expect.poll(() => page.locator("main").textContent()).toContain("Deployed commit");
    expect(await page.getByRole("button", { name: "Deploy" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Stop" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "shell in app" }).count()).toBe(0);
    await page.goto(`${core.url}/stacks/imaged`);
    await page.getByRole("table", { name: "images" }).waitFor();
    expect(await page.getByRole("button", { name: "Check now" }).count()).toBe(0);
    await page.goto(`${core.url}/syncs`);
    await page.getByRole("region", { name: "sync root" }).waitFor();
    expect(await page.getByRole("button", { name: "Run sync" }).count()).toBe(0);
    await page.goto(`${core.url}/variables`);
    await expect.poll(() => page.locator("main").textContent()).toContain("DB_PASSWORD");
    expect(await page.getByRole("form", { name: "set a variable" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Remove" }).count()).toBe(0);

    // With the session cookie and its CSRF token, as the UI sends them: the role refuses it.
    const status = await page.evaluate(async () => {
      const csrf = decodeURIComponent(/tug_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "");
      const res = await fetch("/api/stacks/hello/deploy", { method: "POST", headers: { "x-csrf-token": csrf } });
      return res.status;
    });
    expect(status).toBe(403);
    // Nor a shell: refused before anything runs in the container.
    const running = (
      await docker(host, ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project("ticker")}`])
    ).stdout.trim();
    const execs = async () => (await docker(host, ["inspect", "-f", "{{json .ExecIDs}}", running])).stdout.trim();
    const before = await execs();
    const shell = await page.evaluate(async () => {
      const csrf = decodeURIComponent(/tug_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "");
      const res = await fetch("/api/stacks/ticker/shell", {
        method: "POST",
        headers: { "x-csrf-token": csrf, "content-type": "application/json" },
        body: JSON.stringify({ service: "app" }),
      });
      return res.status;
    });
    expect(shell).toBe(403);
    expect(await execs()).toBe(before);
  });
});
