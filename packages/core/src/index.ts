// tug core: the control plane that turns Git pushes into deploys.
export { loadCoreConfig } from "./config/core-config.js";
export { type RunningCore, startCore } from "./core.js";
// The metrics store on its own, for bench/metrics.ts.
export { openDatabase } from "./db/open-database.js";
export { Downsampler } from "./metrics/downsampler.js";
export { MetricStore } from "./metrics/metric-store.js";
export { queryStats } from "./metrics/stats-query.js";
export { restoreBackup } from "./ops/backups/restore.js";
