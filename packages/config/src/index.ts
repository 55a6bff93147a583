export { DEFAULT_LINTS, LINTS, type LintName, type LintSettings } from "./compose/lints.js";
export { COMPOSE_FILE_NAMES } from "./compose-files.js";
export { type Diagnostic, formatDiagnostic, type Location, type Severity, sortDiagnostics } from "./diagnostics.js";
export { type EnvironmentEntry, maskedEnvironment } from "./fleet/environment.js";
export { type LoadFleetOptions, type LoadFleetResult, loadFleet } from "./fleet/load-fleet.js";
export type {
  Declared,
  Fleet,
  FleetServer,
  FleetStack,
  FleetSync,
  FleetVariable,
  StackDependency,
  StackSource,
} from "./fleet/model.js";
export { type FingerprintParts, fingerprintStack, type StackFingerprint } from "./plan/fingerprint.js";
export { type Plan, type PlannedDeploy, type PlanOptions, planFleet, type ResourceAction } from "./plan/plan.js";
export { EMPTY_STATE, FleetState } from "./plan/state.js";
export { deployWaves } from "./plan/waves.js";
export { ALERTER_ENDPOINT_TYPES } from "./resources/alerter.js";
export { repositoryUrl } from "./resources/repo.js";
export { GitCommitSource, type GitCommitSourceOptions } from "./source/git-commit.js";
export { normalizeRepoPath, type RepoEntry, type RepoSource } from "./source/repo-source.js";
export { WorkingTreeSource } from "./source/working-tree.js";
