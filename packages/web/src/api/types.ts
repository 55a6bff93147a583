// Reply shapes of core's API: the protocol's types (types only: no schema code in the bundle).
import type {
  AgentBuildView,
  AlertView,
  AuditView,
  AuthOptionsView,
  BackupList,
  ContainerStatus,
  DashboardView,
  DoctorReport,
  ImageCheckReply,
  ImageCheckView,
  ImagesView,
  LogContextView,
  LogLineView,
  LogSearchView,
  MeView,
  ServerView,
  SessionView,
  ShellTicketView,
  StackChecksView,
  StackDiffView,
  StackView,
  StatsView,
  StoredLogLineView,
  SwarmDetailView,
  SwarmListItemView,
  SyncView,
  TotpEnrolment,
  UpdateView,
  VariableView,
} from "@tugboat/protocol";

export type {
  AgentBuildView,
  AlertView,
  AuditView,
  AuthOptionsView,
  BackupList,
  ContainerStatus,
  DoctorReport,
  ImageCheckReply,
  ImageCheckView,
  ImagesView,
  LogContextView,
  LogSearchView,
  ServerView,
  SessionView,
  ShellTicketView,
  StackChecksView,
  StackDiffView,
  StackView,
  StatsView,
  StoredLogLineView,
  SwarmDetailView,
  SwarmListItemView,
  SyncView,
  TotpEnrolment,
  UpdateView,
  VariableView,
};

export type Role = MeView["role"];

export type Me = MeView;
export type Dashboard = DashboardView;
export type DashboardServer = DashboardView["servers"][number];

export interface PlanReply {
  commit: string | null;
  status: SyncView["status"];
  errors: SyncView["errors"];
  plan: {
    resources: Array<{ kind: string; name: string; action: string }>;
    deploys: Array<{ stack: string; server: string; wave: number; reasons: string[] }>;
    pending: Array<{ stack: string; server: string; reasons: string[] }>;
    skipped: Array<{ stack: string; server: string; reason: string }>;
  } | null;
}

export interface StreamEvent {
  type: "step" | "log" | "result";
  step?: string;
  at?: string;
  stream?: "stdout" | "stderr";
  line?: string;
  ok?: boolean;
  durationMs?: number;
  error?: { code: string; message: string };
  failures?: Array<{ service: string; reason: string; logs: string[] }>;
  steps?: Array<{ step: string; durationMs: number; exitCode: number | null }>;
}

export type LogLine = LogLineView;
