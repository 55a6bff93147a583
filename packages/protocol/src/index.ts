export {
  ActionRequest,
  type ActionRequestParsed,
  AgentHealth,
  AgentInfo,
  ContainerStatus,
  DeployRequest,
  type DeployRequestParsed,
  HostStats,
  ServiceFailure,
  StackAction,
  StackStatus,
  StreamEvent,
  type StreamResult,
} from "./agent.js";
export {
  AcceptedResponse,
  AlerterView,
  AlertView,
  DeliveryView,
  LoginRequest,
  LoginResponse,
  ServerView,
  StackView,
  StatsQuery,
  StatsView,
  SyncView,
  UpdateView,
} from "./core.js";
export { ERROR_STATUS, ErrorBody, type ErrorCode, TugError } from "./errors.js";
export { HealthResponse } from "./health.js";
