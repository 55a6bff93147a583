// What every browser suite shares: the daemons, why it would be skipped (no
// Docker or no Chromium; never under CI), and where screenshots go at which sizes.
import { browserUnavailableReason, sharedDaemons } from "@tugboat/testkit";

export const daemons = sharedDaemons();
const noBrowser = browserUnavailableReason();
if (noBrowser && process.env.CI === "true") throw new Error(`UI tests cannot run under CI=true: ${noBrowser}`);

/** Why the suite cannot run here, or undefined. */
export const skip = daemons.skipReason !== "" ? daemons.skipReason : noBrowser;

export const SCREENSHOTS = new URL("../../test-results/screenshots/", import.meta.url).pathname;
export const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 860 } } as const;
