// `tug core`: runs the control plane until SIGINT/SIGTERM.
import { loadCoreConfig, startCore } from "@tugboat/core";
import { EXIT_OK } from "../exit-codes.js";
import { logUnhandledRejections } from "../process-guards.js";

export async function coreCommand(options: { config?: string; port?: string }): Promise<number> {
  const config = await loadCoreConfig({
    ...(options.config ? { configFile: options.config } : {}),
    overrides: options.port ? { port: options.port } : {},
  });
  logUnhandledRejections("tug core");
  const core = await startCore(config);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await core.close();
  return EXIT_OK;
}
