// Running git safely, for config, core and agent.
export { childEnv } from "./child-env.js";
export { redactUrl } from "./redact.js";
export { checkBranch, checkRemoteUrl, type RemoteCheck, type RemoteKind } from "./remote-url.js";
export { GitError, type GitOptions, git, spawnGit } from "./run-git.js";
