// `tug core`: runs the control plane until SIGINT/SIGTERM.
import { setFlagsFromString } from "node:v8";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { EXIT_OK } from "../exit-codes.js";
import { logUnhandledRejections } from "../process-guards.js";

/**
 * After a collection V8 lets its heap grow to up to 4× what is live. A burst
 * (the first sync of a fleet: thousands of deploys at once) grows it that
 * far, and core then holds that memory while it idles. 1.5× keeps RSS near
 * what core really keeps: at 500 servers (bench/scale.ts) 396-405 MB instead
 * of 616-672 MB, with status-round CPU within the bench's noise. A flag
 * given to node wins.
 */
const HEAP_GROWING = "--heap-growing-percent=50";

export async function coreCommand(options: { config?: string; port?: string }): Promise<number> {
  const config = await loadCoreConfig({
    ...(options.config ? { configFile: options.config } : {}),
    overrides: options.port ? { port: options.port } : {},
  });
  logUnhandledRejections("tug core");
  if (!process.execArgv.some((arg) => arg.startsWith("--heap-growing-percent"))) setFlagsFromString(HEAP_GROWING);
  const core = await startCore(config);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await core.close();
  return EXIT_OK;
}
