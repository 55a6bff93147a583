// tug core: the control plane that turns Git pushes into deploys.
export const CORE_DEFAULT_PORT = 9120;
