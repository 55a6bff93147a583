// What every browser suite shares: the daemons, why it would be skipped (no
// Docker or no Chromium; never under CI), where screenshots go at which sizes,
// and a core with a browser for the pages that need no agent.
import type { RunningCore } from "@tugboat/core";
import { browserUnavailableReason, gitRepo, launchBrowser, sharedDaemons, tempDir } from "@tugboat/testkit";
import type { Browser } from "playwright-core";
import { startTestCore } from "../core/fixture.js";

export const daemons = sharedDaemons();
const noBrowser = browserUnavailableReason();
if (noBrowser && process.env.CI === "true") throw new Error(`UI tests cannot run under CI=true: ${noBrowser}`);

/** Why the suite cannot run here, or undefined. */
export const skip = daemons.skipReason !== "" ? daemons.skipReason : noBrowser;

export const SCREENSHOTS = new URL("../../test-results/screenshots/", import.meta.url).pathname;
export const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 860 } } as const;

/** A core with no agent, syncing a fleet repository of `files`, and a browser: for pages that need no Docker. */
export async function coreAndBrowser(files: Record<string, string>) {
  const repo = await gitRepo();
  const data = await tempDir("tug-web-core-");
  const close = async (core?: RunningCore, browser?: Browser) => {
    await browser?.close();
    await core?.close();
    await repo.cleanup();
    await data.cleanup();
  };
  let core: RunningCore | undefined;
  try {
    for (const [path, text] of Object.entries(files)) await repo.write(path, text);
    await repo.commitAndPush("the fleet");
    core = await startTestCore({ dataDir: data.path, syncRepo: repo.remote });
    const browser = await launchBrowser();
    const started = core;
    return { core: started, browser, close: () => close(started, browser) };
  } catch (error) {
    await close(core);
    throw error;
  }
}
