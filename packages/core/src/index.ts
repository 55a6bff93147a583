// tug core: the control plane that turns Git pushes into deploys.
export { CoreConfig, loadCoreConfig } from "./config/core-config.js";
export { type RunningCore, startCore } from "./core.js";
