// The update page in Chromium against a real core: it shows how an update
// ended, and its output, even when its live stream never answers (a proxy
// that buffers, a stream cut off), from the stored record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN } from "../core/fixture.js";
import { coreAndBrowser, skip, WIDTHS } from "./browser-suite.js";

describe.skipIf(skip !== undefined)("the update page", () => {
  let suite: Awaited<ReturnType<typeof coreAndBrowser>>;

  beforeAll(async () => {
    suite = await coreAndBrowser({ "syncs/servers.toml": "" });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it("shows the result and output of an update whose live stream never answers", async () => {
    const { core, browser } = suite;
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
    await expect.poll(() => streamAsked).toBe(true);
    expect(await page.getByRole("status", { name: "result" }).count()).toBe(0);

    writer.emit({ type: "log", step: "up", stream: "stdout", line: "started" });
    await writer.end("success", {});
    const result = page.getByRole("status", { name: "result" });
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toBe("success");
    // What it did, from the record, as the stream would have shown it.
    expect(await page.getByRole("log", { name: "output" }).textContent()).toBe("startingstarted");
    await context.close();
  });
});
