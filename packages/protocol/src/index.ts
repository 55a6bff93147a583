export {
  ActionRequest,
  type ActionRequestParsed,
  AgentHealth,
  AgentInfo,
  AgentLogsQuery,
  ContainerStatus,
  DeployRequest,
  type DeployRequestParsed,
  HealRequest,
  HostStats,
  ImageUpdateRequest,
  type ImageUpdateRequestParsed,
  PollReply,
  PollRequest,
  ServiceFailure,
  StackAction,
  StackStatus,
  StatusesReply,
  StatusesRequest,
  StreamEvent,
  type StreamResult,
} from "./agent.js";
export {
  CheckResult,
  CheckSpec,
  type CheckSpecParsed,
  ChecksReply,
  ChecksRequest,
  type ChecksRequestParsed,
} from "./checks.js";
export { EnrolmentView, LinkView, RevokedView } from "./core/agent-link.js";
export {
  ApiKeyCreated,
  ApiKeyRequest,
  ApiKeyView,
  AuditQuery,
  AuditView,
  AuthOptionsView,
  Done,
  LoginRequest,
  LoginResponse,
  MeView,
  RecoveryCodes,
  SessionParams,
  SessionView,
  TotpConfirmRequest,
  TotpEnrolment,
  UserCreateRequest,
  UsernameParams,
  UserRoleRequest,
  UserView,
} from "./core/auth.js";
export { type CheckView, StackChecksView } from "./core/checks.js";
export { DashboardView } from "./core/dashboard.js";
export { StackDiffQuery, StackDiffView } from "./core/diff.js";
export {
  AcceptCertificateRequest,
  AcceptCertificateView,
  AcceptedResponse,
  DriftReason,
  LogLineView,
  LogsQuery,
  NameParams,
  PlanView,
  Quarantine,
  ServerView,
  StackFilesView,
  StackSpecView,
  StackView,
  SyncRunView,
  SyncView,
  WebhookReply,
} from "./core/fleet.js";
export {
  ImageCheckReply,
  ImageCheckRequest,
  ImageCheckView,
  ImagesView,
  ImageUpdateNowRequest,
  RegistryCredentialsView,
  RegistryLoginRequest,
  RegistryParams,
} from "./core/images.js";
export {
  LogContextParams,
  LogContextQuery,
  LogContextView,
  LogExportQuery,
  LogFilterQuery,
  LogSearchQuery,
  LogSearchView,
  LogStatusView,
  StoredLogLineView,
} from "./core/logs.js";
export {
  AlertDetailView,
  AlerterView,
  AlertsQuery,
  AlertView,
  DeliveryView,
  StatsQuery,
  StatsView,
} from "./core/observability.js";
export {
  AgentBuildView,
  AgentUpgradeRequest,
  BackupList,
  BackupParams,
  BackupView,
  DoctorReport,
} from "./core/operations.js";
export { SwarmDetailView, SwarmListItemView } from "./core/swarms.js";
export { IdParams, UpdateDetailView, UpdatesQuery, UpdateView } from "./core/updates.js";
export { SetVariableRequest, VariableParams, VariableView } from "./core/variables.js";
export { ERROR_STATUS, type ErrorCode, TugError } from "./errors.js";
export { normalizeFingerprint } from "./fingerprint.js";
export { HealthResponse } from "./health.js";
export { DOCKER_HUB, type ImageReference, parseImageReference } from "./image-reference.js";
export {
  AGENT_LINK_PATH,
  formatLinkToken,
  LINK_HEARTBEAT_HEADER,
  LINK_VERSION_HEADER,
  parseLinkToken,
} from "./link.js";
export {
  advanceCursor,
  LOG_WAIT_LEGACY_MS,
  LOG_WAIT_MAX_MS,
  LogBatch,
  LogBatchRequest,
  LogCursor,
  ShippedLine,
} from "./logs.js";
export {
  DEFAULT_SHELL,
  parseShellControl,
  ShellQuery,
  ShellSocketQuery,
  ShellTicketRequest,
  ShellTicketView,
} from "./shell.js";
export { envFilePathProblem, isHostPath } from "./stack-paths.js";
export {
  NetworkOutcome,
  NetworkSpec,
  NetworksApplyRequest,
  NetworksApplyResult,
  NodeLabelsRequest,
  NodeLabelsResult,
  SwarmNetworkInfo,
  SwarmNodeInfo,
  SwarmServiceStatus,
  SwarmState,
  SwarmTaskStatus,
} from "./swarm.js";
