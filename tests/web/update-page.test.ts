// The update page in Chromium against a real core: it shows how an update
// ended even when its live stream never answers (a proxy that buffers, a
// stream cut off), from the stored record.
import type { RunningCore } from "@tugboat/core";
import { type GitRepo, gitRepo, launchBrowser, type TempDir, tempDir } from "@tugboat/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startTestCore } from "../core/fixture.js";
import { skip, WIDTHS } from "./browser-suite.js";

describe.skipIf(skip !== undefined)("the update page", () => {
  let data: TempDir;
  let repo: GitRepo;
  let core: RunningCore;
  let browser: Browser;

  beforeAll(async () => {
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", "");
    await repo.commitAndPush("no servers");
    data = await tempDir("tug-update-page-core-");
    core = await startTestCore({ dataDir: data.path, syncRepo: repo.remote });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await core?.close();
    await repo?.cleanup();
    await data?.cleanup();
  });

  it("shows the result of an update whose live stream never answers", async () => {
    const log = core.context.log;
    const id = await log.store.create({
      operation: "deploy",
      targetKind: "stack",
      targetName: "hello",
      trigger: "user",
      actor: ADMIN.username,
    });
    await log.store.start(id);
    const writer = log.writer(id);
    writer.emit({ type: "log", step: "up", stream: "stdout", line: "starting" });

    const context = await browser.newContext({ viewport: WIDTHS.desktop });
    expect((await context.request.post(`${core.url}/api/auth/login`, { data: ADMIN })).status()).toBe(200);
    const page = await context.newPage();
    let streamAsked = false;
    // The live stream is asked for and never answered.
    await page.route("**/api/updates/*/events", () => {
      streamAsked = true;
    });
    await page.goto(`${core.url}/updates/${id}`);
    await page.getByRole("heading", { name: /deploy hello/ }).waitFor();
    expect(streamAsked).toBe(true);
    expect(await page.getByRole("status", { name: "result" }).count()).toBe(0);

    await writer.end("success", {});
    const result = page.getByRole("status", { name: "result" });
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toBe("success");
    await context.close();
  });
});
