export { AnalysisCache, type AnalysisCacheStats, deepFreeze, HEAP_PER_TEXT_BYTE } from "./analysis/analysis-cache.js";
export type { LintName, LintSettings } from "./compose/lints.js";
export { type Diagnostic, formatDiagnostic, type Location, type Severity } from "./diagnostics.js";
export type { UptimeCheck } from "./fleet/checks.js";
export { type EnvironmentEntry, maskedEnvironment } from "./fleet/environment.js";
export { type LoadFleetOptions, type LoadFleetResult, loadFleet } from "./fleet/load-fleet.js";
export type { LogAlertConfig } from "./fleet/log-alerts.js";
export type {
  Declared,
  FileMount,
  Fleet,
  FleetServer,
  FleetStack,
  FleetSwarm,
  FleetSync,
  FleetVariable,
  ServiceImage,
  StackInput,
  StackSource,
} from "./fleet/model.js";
export { hostNetworkSpecs, type SwarmNetworkPlan, swarmNetworkPlan } from "./fleet/network-plan.js";
export { type OpenRepository, type RepositoryRef, repositoryKey } from "./fleet/other-repos.js";
export { RECONCILE_DEFAULTS, type StackReconcile } from "./fleet/reconcile.js";
export { repositoryIdentity } from "./fleet/self-repo.js";
export {
  type FingerprintParts,
  fingerprintStack,
  type StackFingerprint,
  servicesToBuild,
  servicesToRecreate,
  type ValueDigest,
} from "./plan/fingerprint.js";
export { type Plan, type PlannedDeploy, type PlanOptions, planFleet, type ResourceAction } from "./plan/plan.js";
export { EMPTY_STATE, FingerprintPartsSchema, FleetState, LegacyFleetState } from "./plan/state.js";
export { AlerterConfig, type AlerterEndpoint } from "./resources/alerter.js";
export { repositoryUrl } from "./resources/repo.js";
export { MaintenanceWindow, ServerConfig } from "./resources/server.js";
export type { SwarmConfig } from "./resources/swarm.js";
export {
  PERMISSION_LEVELS,
  type PermissionLevel,
  SPECIFIC_PERMISSIONS,
  type SpecificPermission,
  targetPattern,
  UserGroupResource,
} from "./resources/user-group.js";
export { GitCommitSource, type GitCommitSourceOptions } from "./source/git-commit.js";
export type { RepoEntry, RepoSource } from "./source/repo-source.js";
export { WorkingTreeSource } from "./source/working-tree.js";
