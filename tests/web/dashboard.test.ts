// The dashboard's first render (issue 19, target 5), in Chromium against a
// real core whose fleet repository names more servers than the cards shown at
// once: every server's card still shows, and a page opened on the dashboard
// asks for its data without waiting for the session check, named in the
// page's Link header before the script runs. Its speed is measured in
// bench/scale.ts, not here.
import { waitFor } from "@tugboat/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN } from "../core/fixture.js";
import { coreAndBrowser, skip, WIDTHS } from "./browser-suite.js";

// More than the dashboard's first batch of cards (60).
const SERVERS = 75;
const name = (i: number) => `node-${String(i).padStart(2, "0")}`;

describe.skipIf(skip !== undefined)("the dashboard at more servers than a screen", () => {
  let suite: Awaited<ReturnType<typeof coreAndBrowser>>;

  beforeAll(async () => {
    // Servers no agent answers for (nothing listens on port 1): cards show them unreachable.
    const servers = Array.from(
      { length: SERVERS },
      (_, i) => `[[server]]\nname = "${name(i)}"\n[server.config]\naddress = "https://127.0.0.1:1"\nenabled = true\n`,
    );
    suite = await coreAndBrowser({ "syncs/servers.toml": servers.join("\n") });
    await waitFor(async () => ((await suite.core.context.servers.list()).length === SERVERS ? true : undefined), {
      what: `${SERVERS} servers applied`,
      timeoutMs: 60_000,
    });
  });

  afterAll(async () => {
    await suite?.close();
  });

  /** A page logged in through the API (the session cookie set), not yet opened. */
  const loggedInPage = async (): Promise<Page> => {
    const context = await suite.browser.newContext({ viewport: WIDTHS.desktop });
    const login = await context.request.post(`${suite.core.url}/api/auth/login`, { data: ADMIN });
    expect(login.status()).toBe(200);
    return context.newPage();
  };

  it("shows a card for every server, the ones past the first screen too", async () => {
    const page = await loggedInPage();
    await page.goto(suite.core.url);
    const cards = page.locator("article.card");
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(SERVERS);
    expect(await page.getByRole("article", { name: `server ${name(SERVERS - 1)}` }).textContent()).toContain(
      "unreachable",
    );
    await page.context().close();
  });

  it("asks for the dashboard's data while the session check is still unanswered", async () => {
    const page = await loggedInPage();
    let dashboardAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      dashboardAsked = resolve;
    });
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/dashboard") dashboardAsked();
    });
    // The session's answer is held until the dashboard's data is asked for (or 10 s pass).
    let askedFirst = false;
    await page.route("**/api/auth/me", async (route) => {
      askedFirst = await Promise.race([
        asked.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      await route.continue();
    });
    await page.goto(suite.core.url);
    await expect.poll(() => page.locator("article.card").count(), { timeout: 30_000 }).toBe(SERVERS);
    expect(askedFirst).toBe(true);
    await page.context().close();
  });

  it("has the browser ask for the session and the dashboard before the script runs, once each", async () => {
    const page = await loggedInPage();
    const asked: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith("/api/")) asked.push(path);
    });
    // The app's script is held until both are asked for (or 10 s pass): only the page's Link header can ask.
    let beforeScript: string[] = [];
    await page.route("**/assets/index-*.js", async (route) => {
      for (let waited = 0; waited < 10_000; waited += 50) {
        if (asked.includes("/api/auth/me") && asked.includes("/api/dashboard")) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      beforeScript = [...asked];
      await route.continue();
    });
    await page.goto(suite.core.url);
    await expect.poll(() => page.locator("article.card").count(), { timeout: 30_000 }).toBe(SERVERS);
    expect(beforeScript.sort()).toEqual(["/api/auth/me", "/api/dashboard"]);
    // The app's own requests took the answers the browser had: not asked a second time.
    expect(asked.filter((path) => path === "/api/dashboard")).toHaveLength(1);
    expect(asked.filter((path) => path === "/api/auth/me")).toHaveLength(1);
    await page.context().close();
  });
});
