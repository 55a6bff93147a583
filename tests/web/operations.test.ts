// Issue 17 in Chromium: the Operations page runs the doctor, takes a backup
// (it is listed, with its size and GFS slots) and shows the agent build core
// offers; a server whose agent is older offers "Upgrade agent", which starts
// a rolling upgrade whose update page says why this agent cannot take it (it
// does not run from the single-file build).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import { daemonHost, type GitRepo, gitRepo, launchBrowser, run, type TempDir, tempDir } from "@tugboat/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, serverToml, startTestAgent, startTestCore } from "../core/fixture.js";
import { daemons, SCREENSHOTS, skip, WIDTHS } from "./browser-suite.js";

const BUNDLER = fileURLToPath(new URL("../../scripts/bundle-agent.mjs", import.meta.url));

describe.skipIf(skip !== undefined)("the Operations page", () => {
  let work: TempDir;
  let agent: RunningAgent;
  let repo: GitRepo;
  let core: RunningCore;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    work = await tempDir("tug-ops-ui-");
    await run([process.execPath, BUNDLER, "--out", join(work.path, "build"), "--version", "0.1.1-ui"]);
    agent = await startTestAgent({ dockerHost: daemonHost(daemons, 1), root: join(work.path, "agent") });
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", serverToml("apollo", agent));
    await repo.commitAndPush("one server");
    core = await startTestCore({
      dataDir: join(work.path, "core"),
      syncRepo: repo.remote,
      settings: { agent_build: join(work.path, "build", "tugboat-agent.mjs") },
    });
    await core.context.engine.check("root", { trigger: "user", actor: "admin" });
    await core.pollStatus();
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: WIDTHS.desktop })).newPage();
    await page.goto(core.url);
    await page.getByLabel("Username").fill(ADMIN.username);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await core?.close();
    await agent?.close();
    await repo?.cleanup();
    await work?.cleanup();
  });

  it("runs the doctor, takes a backup and shows the agent build", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations" }).click();
    const doctor = page.getByRole("region", { name: "Doctor" });
    await doctor.getByText(/\d+ ok, \d+ warn, \d+ fail/).waitFor();
    // The agent runs 0.1.0 while core offers 0.1.1-ui: a warning with the command that fixes it.
    await expect
      .poll(() => doctor.getByRole("row", { name: /version apollo/ }).textContent())
      .toContain("tug agent upgrade --server apollo");

    const backups = page.getByRole("region", { name: "Backups" });
    await backups.getByRole("button", { name: "Back up now" }).click();
    const row = backups.getByRole("row", { name: /tugboat-\d{8}T\d{6}Z-manual\.tar\.gz/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/ok.*kB.*daily, weekly, monthly.*manual/);
    await page.getByRole("region", { name: "Agents" }).getByText("Core offers agent 0.1.1-ui").waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}operations.png`, fullPage: true });
  });

  it("offers to upgrade an older agent, and the update says why this one cannot be", async () => {
    await page.goto(`${core.url}/servers/apollo`);
    await page.getByText("0.1.1-ui offered").waitFor();
    await page.getByRole("button", { name: "Upgrade agent" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(/\/updates\//);
    await page
      .getByText(/does not run from a single-file build/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${SCREENSHOTS}operations-upgrade.png`, fullPage: true });
  });
});
