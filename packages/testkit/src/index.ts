export { dockerUnavailableReason } from "./availability.js";
export { type ComposeVariant, composeVariants } from "./compose.js";
export { DOCKERD_ROOT, type PrivateDockerd, reapStaleDaemons, startDockerd } from "./dockerd.js";
export { CommandError, docker, dockerEnv, type RunOptions, type RunResult, run } from "./exec.js";
export { type GitRepo, gitRepo } from "./git-repo.js";
export { BUSYBOX_IMAGE, ensureImage } from "./image.js";
export { daemonHost, type SharedDaemons, sharedDaemons } from "./shared-daemons.js";
export { type TempDir, tempDir } from "./temp-dir.js";
export { type WaitOptions, waitFor } from "./wait.js";
