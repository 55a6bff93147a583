// tug agent: runs stacks on one Docker host, exactly as core asks.
export { AGENT_VERSION, type RunningAgent, startAgent } from "./agent.js";
export { type ComposeRunner, detectCompose } from "./compose/runner.js";
export { AgentConfig, DEFAULT_CONFIG_FILE, loadAgentConfig } from "./config/agent-config.js";
export { ExecError, type ExecOptions, type ExecResult, exec } from "./exec/exec.js";
export {
  AGENT_NODE_FLAGS,
  type InstallFiles,
  type InstallOptions,
  installFiles,
  writeInstallFiles,
} from "./install/install.js";
export { invalidName, type NameKind, pathInside } from "./safety/names.js";
