// tug core: the control plane that turns Git pushes into deploys.
export { CoreConfig, loadCoreConfig } from "./config/core-config.js";
export { CORE_VERSION, type RunningCore, startCore } from "./core.js";
