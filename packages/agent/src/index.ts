// tug agent: runs stacks on one Docker host, exactly as core asks.
export const AGENT_DEFAULT_PORT = 8120;
export { type ComposeRunner, detectCompose } from "./compose/runner.js";
export { ExecError, type ExecOptions, type ExecResult, exec } from "./exec/exec.js";
export { invalidName, type NameKind, pathInside } from "./safety/names.js";
