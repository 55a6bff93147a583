// tug agent: runs stacks on one Docker host, exactly as core asks.
export { type RunningAgent, startAgent } from "./agent.js";
export { type ComposeRunner, detectCompose } from "./compose/runner.js";
export { AgentConfig, loadAgentConfig } from "./config/agent-config.js";
export { ExecError, type ExecOptions, type ExecResult, exec } from "./exec/exec.js";
export {
  AGENT_NODE_FLAGS,
  type InstallFiles,
  type InstallOptions,
  installFiles,
  writeInstallFiles,
} from "./install/install.js";
export { tagged as tagStatuses } from "./stacks/status-tags.js";
