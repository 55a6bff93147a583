// Issue 20, in Chromium against a real core, two agents and private daemons,
// on a fleet shaped like examples/homelab (stacks under applications/,
// infrastructure/ and monitoring/, tags, `after`, an env file and a
// bind-mounted config file): a pending plan shows its three-file diff and
// the environment by key; the fleet picture shows a sync wave going green;
// the command palette finds a stack and deploys it from the keyboard; stacks
// group by folder and tag; every page passes axe-core (no serious or critical
// violation) in light and dark, and is screenshotted at desktop and phone
// widths in both themes; on a phone every navigation item is on screen.
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import { daemonHost, type GitRepo, gitRepo, launchBrowser, type TempDir, tempDir, waitFor } from "@tugboat/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, removeProjects, startTestAgent, startTestCore } from "../core/fixture.js";
import { daemons, SCREENSHOTS, skip, WIDTHS } from "./browser-suite.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const id = Math.random().toString(16).slice(2, 8);
const project = (stack: string) => `${stack}-frame-${id}`;
const STACKS = ["postgres", "homepage", "ntfy", "uptime-kuma"] as const;
const SECRETS = ["token-a-value-1234", "token-b-value-5678"] as const;

const service = (name: string, extra = "") =>
  `services:\n  ${name}:\n    image: local/busybox:1\n    init: true\n    command: ["sh", "-c", "echo ${name} up; exec sleep 2147483647"]\n${extra}`;
const stackToml = (name: string, server: string, folder: string, tags: string[], more = "") =>
  `[[stack]]\nname = "${name}"\ntags = [${tags.map((t) => `"${t}"`).join(", ")}]\n${more}[stack.config]\nserver = "${server}"\nproject_name = "${project(name)}"\nrun_directory = "stacks/${folder}/${name}"\n`;

describe.skipIf(skip !== undefined)("the UI frame", () => {
  const dirs: TempDir[] = [];
  const agents: RunningAgent[] = [];
  const hosts: string[] = [];
  let repo: GitRepo;
  let core: RunningCore;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const stacksToml = (homepageEnv: string) =>
    [
      stackToml("postgres", "hercules", "infrastructure", ["database"]),
      stackToml("homepage", "hercules", "applications", ["dashboard"], 'after = ["postgres"]\n').concat(
        `environment = """\n${homepageEnv}\n"""\npre_deploy.command = "sleep 6"\n`,
      ),
      stackToml("ntfy", "apollo", "applications", ["notifications"], 'after = ["homepage"]\n'),
      stackToml("uptime-kuma", "apollo", "monitoring", ["monitoring"]),
    ].join("\n");
  const homepageFiles = (title: string, port: string, theme: string) => ({
    "stacks/applications/homepage/compose.yaml": service(
      "homepage",
      `    env_file: [homepage.env]\n    volumes:\n      - ./settings.yaml:/app/settings.yaml:ro\n    labels:\n      homepage.port: "${port}"\n`,
    ),
    "stacks/applications/homepage/homepage.env": `TITLE=${title}\nLANGUAGE=en\n`,
    "stacks/applications/homepage/settings.yaml": `title: ${title}\ntheme: ${theme}\nlayout:\n  - Media\n  - Infra\n`,
  });

  const axe = async (name: string) => {
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
        }
      ).axe.run();
      return result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({
          id: v.id,
          impact: v.impact,
          nodes: v.nodes.map((n) => {
            const node = n as { target: string[]; failureSummary?: string };
            return `${node.target.join(" ")}: ${node.failureSummary ?? ""}`.slice(0, 300);
          }),
        }));
    });
    expect(violations, `axe on ${name}`).toEqual([]);
  };
  const setTheme = async (theme: "light" | "dark") => {
    await page.evaluate((t) => localStorage.setItem("tugboat.theme", t), theme);
    await page.reload();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  };
  const shoot = async (name: string, theme: string) => {
    for (const [size, viewport] of Object.entries(WIDTHS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: `${SCREENSHOTS}frame-${name}-${theme}-${size}.png`, fullPage: true });
    }
    await page.setViewportSize(WIDTHS.desktop);
  };

  beforeAll(async () => {
    for (const index of [0, 1]) {
      hosts.push(daemonHost(daemons, index));
      const dir = await tempDir("tug-frame-agent-");
      dirs.push(dir);
      agents.push(await startTestAgent({ dockerHost: hosts[index] as string, root: dir.path }));
    }
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      agents
        .map(
          (agent, i) =>
            `[[server]]\nname = "${["hercules", "apollo"][i]}"\n[server.config]\naddress = "${agent.url}"\nfingerprint = "${agent.fingerprint}"\nenabled = true\nregion = "${["home", "cloud"][i]}"\n`,
        )
        .join("\n"),
    );
    await repo.write("syncs/stacks.toml", stacksToml("GREETING=hello\nAPI_TOKEN=[[TOKEN_A]]"));
    for (const name of ["postgres", "ntfy"])
      await repo.write(
        `stacks/${name === "postgres" ? "infrastructure" : "applications"}/${name}/compose.yaml`,
        service(name),
      );
    await repo.write("stacks/monitoring/uptime-kuma/compose.yaml", service("uptime-kuma"));
    for (const [path, text] of Object.entries(homepageFiles("Home", "3000", "light"))) await repo.write(path, text);
    await repo.commitAndPush("the fleet");
    const data = await tempDir("tug-frame-core-");
    dirs.push(data);
    core = await startTestCore({
      dataDir: data.path,
      syncRepo: repo.remote,
      settings: { sync_managed: false },
      env: { TUG_SECRET_TOKEN_A: SECRETS[0], TUG_SECRET_TOKEN_B: SECRETS[1] },
    });
    await core.context.engine.check("root", { trigger: "user", actor: "admin" }, { force: true });
    await waitFor(
      async () => {
        const all = await core.context.stacks.list();
        return all.length === STACKS.length && all.every((s) => s.deployedCommit !== null) ? true : undefined;
      },
      { what: "the first deploy of the fleet", timeoutMs: 120_000 },
    );
    await core.pollStatus();
    // The change the plan holds: three of homepage's files and one of its variables.
    for (const [path, text] of Object.entries(homepageFiles("Our home", "3001", "dark"))) await repo.write(path, text);
    await repo.write("syncs/stacks.toml", stacksToml("GREETING=hello there\nNEW_KEY=1\nAPI_TOKEN=[[TOKEN_B]]"));
    await repo.commitAndPush("homepage: new title, port and theme");
    await core.context.engine.check("root", { trigger: "user", actor: "admin" });
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: WIDTHS.desktop });
    page = await context.newPage();
    await page.goto(core.url);
    await page.getByLabel("Username").fill(ADMIN.username);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  }, 300_000);

  afterEach(async (test) => {
    if (test.task.result?.state === "fail" && page)
      await page.screenshot({
        path: `${SCREENSHOTS}failed-frame-${test.task.name.slice(0, 40).replace(/\W+/g, "-")}.png`,
      });
  });

  afterAll(async () => {
    await browser?.close();
    await core?.close();
    for (const agent of agents) await agent.close();
    for (const host of hosts) await removeProjects(host, STACKS.map(project));
    await repo?.cleanup();
    for (const dir of dirs) await dir.cleanup();
  });

  it("shows the pending plan's three-file diff and the environment by key", async () => {
    await page.goto(`${core.url}/syncs`);
    const plan = page.getByRole("region", { name: "pending plan of root" });
    await plan.waitFor();
    await plan.getByText("What changes").click();
    const diff = page.getByRole("region", { name: "changes to homepage" });
    await diff.waitFor();
    for (const file of ["compose.yaml", "homepage.env", "settings.yaml"])
      await diff.getByText(`stacks/applications/homepage/${file}`, { exact: true }).waitFor();
    const lines = (kind: string) => diff.locator(`.diff-${kind}`).allTextContents();
    await expect.poll(async () => (await lines("add")).map((l) => l.trim())).toContain("+ title: Our home");
    expect((await lines("del")).map((l) => l.trim())).toContain("− title: Home");
    const env = page.getByRole("table", { name: "environment changes of homepage" });
    expect(await env.textContent()).toContain("GREETING");
    expect(await env.textContent()).toContain("NEW_KEY");
    // A secret that changed is listed, never shown: not on the page, not in the API's reply.
    expect(await env.textContent()).toContain("API_TOKEN");
    const reply = await page.evaluate(() => fetch("/api/stacks/homepage/diff").then((r) => r.text()));
    expect(JSON.parse(reply).environment).toContainEqual({
      name: "API_TOKEN",
      change: "changed",
      before: "(secret)",
      after: "(secret)",
    });
    for (const secret of SECRETS) {
      expect(reply).not.toContain(secret);
      expect(await page.content()).not.toContain(secret);
    }
    await page.getByRole("button", { name: "Side by side" }).first().click();
    await diff.locator(".diff-sides").first().waitFor();
    await shoot("plan-diff", "light");
    await setTheme("dark");
    await page.getByRole("region", { name: "pending plan of root" }).getByText("What changes").click();
    await page.getByRole("region", { name: "changes to homepage" }).locator(".diff-add").first().waitFor();
    await axe("pending plan diff (dark)");
    await shoot("plan-diff", "dark");
    await setTheme("light");
  });

  it("draws the fleet and shows a sync's waves going green, live", async () => {
    await page.goto(`${core.url}/fleet`);
    await expect.poll(() => page.locator("rect.fleet-node").count()).toBe(STACKS.length);
    // Waves: postgres, then homepage, then ntfy.
    const x = async (name: string) => Number(await page.locator(`a[aria-label^="${name}:"] rect`).getAttribute("x"));
    expect(await x("homepage")).toBeGreaterThan(await x("postgres"));
    expect(await x("ntfy")).toBeGreaterThan(await x("homepage"));
    const run = core.context.engine.check("root", { trigger: "user", actor: "admin" }, { force: true });
    await page.locator('a[aria-label="homepage: deploying"]').waitFor({ timeout: 30_000 });
    await shoot("fleet-mid-sync", "light");
    // The header's switch: light → dark, at once, while the wave runs (pre_deploy sleeps 6 s).
    await page.getByRole("button", { name: /^Theme: light/ }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await shoot("fleet-mid-sync", "dark");
    await page.getByRole("button", { name: /^Theme: dark/ }).click(); // back to the system's
    await run;
    await page.locator('a[aria-label="homepage: running"]').waitFor({ timeout: 60_000 });
    await page.locator('a[aria-label^="homepage"]').click();
    await page.waitForURL(/\/stacks\/homepage$/);
    await page.goto(`${core.url}/fleet`);
    await page.locator("text.fleet-server", { hasText: "apollo" }).click();
    await page.waitForURL(/\/servers\/apollo$/);
  });

  it("finds a stack and deploys it from the keyboard with the palette, and shows what it changed", async () => {
    await page.goto(`${core.url}/`);
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await page.keyboard.press("Control+k");
    await page.keyboard.type("uptim");
    await expect.poll(() => page.getByRole("option").first().textContent()).toContain("uptime-kuma");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/stacks\/uptime-kuma$/);
    await page.keyboard.press("Control+k");
    await page.keyboard.type("deploy uptime");
    await expect.poll(() => page.getByRole("option").first().textContent()).toContain("Deploy uptime-kuma");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").getByText("deploy uptime-kuma?").waitFor();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/updates\/[0-9a-f-]+$/);
    await page.getByRole("heading", { name: /deploy uptime-kuma/ }).waitFor();
    await page.getByText("success").first().waitFor({ timeout: 60_000 });
    // The deploy of homepage the sync ran shows its files' diff on its update page.
    const [homepage] = (await core.context.log.store.list({ targetName: "homepage" })).filter(
      (u) => u.operation === "deploy" && u.status === "success",
    );
    await page.goto(`${core.url}/updates/${homepage?.id}`);
    await page
      .getByRole("region", { name: "changes to homepage" })
      .getByText("stacks/applications/homepage/settings.yaml", { exact: true })
      .waitFor();
  });

  it("groups stacks by folder and by tag, and shows a deploy's diff in its confirmation", async () => {
    await page.goto(`${core.url}/stacks`);
    await page.getByLabel("Group by").selectOption("folder");
    for (const folder of ["applications", "infrastructure", "monitoring"])
      await page.locator("tr.group th", { hasText: folder }).waitFor();
    await page.getByLabel("Tag").selectOption("notifications");
    await expect.poll(() => page.locator("tbody tr:not(.group)").count()).toBe(1);
    await page.goto(`${core.url}/stacks/homepage`);
    await page.getByRole("button", { name: "Deploy" }).click();
    await page
      .getByText(/No file or environment change for homepage|changes to homepage/)
      .first()
      .waitFor();
  });

  it("fits a phone: every navigation item is on screen, and the stacks table is a list", async () => {
    await page.setViewportSize(WIDTHS.phone);
    await page.goto(`${core.url}/stacks`);
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const link of await nav.getByRole("link").all()) {
      const box = await link.boundingBox();
      expect(box, (await link.textContent()) ?? "").not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= WIDTHS.phone.width).toBe(true);
    }
    expect(await page.locator("table.list-on-phone thead").isVisible()).toBe(false);
    await page.setViewportSize(WIDTHS.desktop);
  });

  it("has a login page that passes axe-core in light and dark", async () => {
    const fresh = await browser.newContext({ viewport: WIDTHS.desktop });
    const login = await fresh.newPage();
    const previous = page;
    page = login;
    try {
      for (const theme of ["light", "dark"] as const) {
        await page.goto(core.url);
        await page.evaluate((t) => localStorage.setItem("tugboat.theme", t), theme);
        await page.reload();
        await page.getByLabel("Username").waitFor();
        await axe(`login (${theme})`);
        await shoot("login", theme);
      }
    } finally {
      page = previous;
      await fresh.close();
    }
  });

  it("passes axe-core on every page in light and dark, and leaves screenshots of each", async () => {
    const update = (await core.context.log.store.list({ limit: 1 }))[0]?.id ?? "";
    const pages: Array<[string, string]> = [
      ["dashboard", "/"],
      ["stacks", "/stacks"],
      ["stack", "/stacks/homepage"],
      ["fleet", "/fleet"],
      ["logs", "/logs"],
      ["syncs", "/syncs"],
      ["servers", "/servers"],
      ["server", "/servers/hercules"],
      ["variables", "/variables"],
      ["alerts", "/alerts"],
      ["updates", "/updates"],
      ["update", `/updates/${update}`],
      ["account", "/account"],
      ["audit", "/audit"],
      ["operations", "/operations"],
    ];
    for (const theme of ["light", "dark"] as const) {
      await setTheme(theme);
      for (const [name, path] of pages) {
        await page.goto(`${core.url}${path}`);
        await page.getByRole("navigation", { name: "Main" }).waitFor();
        await page.waitForLoadState("networkidle").catch(() => undefined);
        await axe(`${name} (${theme})`);
        await shoot(name, theme);
      }
      await page.keyboard.press("Control+k");
      await page.getByRole("dialog", { name: "Find anything" }).waitFor();
      await axe(`palette (${theme})`);
      await shoot("palette", theme);
      await page.keyboard.press("Escape");
    }
    await setTheme("light");
  });
});
