// `tug core`: runs the control plane until SIGINT/SIGTERM.
import { loadCoreConfig, startCore } from "@tugboat/core";

export async function coreCommand(options: { config?: string; port?: string }): Promise<number> {
  const config = await loadCoreConfig({
    ...(options.config ? { configFile: options.config } : {}),
    overrides: options.port ? { port: options.port } : {},
  });
  const core = await startCore(config);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await core.close();
  return 0;
}
