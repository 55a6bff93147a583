// The OpenAPI document, generated from the zod schemas in @tugboat/protocol.

import {
  AcceptedResponse,
  AlerterView,
  AlertView,
  DashboardView,
  DeliveryView,
  LoginRequest,
  LoginResponse,
  LogLineView,
  MeView,
  ServerView,
  StackFilesView,
  StackStatus,
  StackView,
  StatsQuery,
  StatsView,
  SyncView,
  UpdateView,
} from "@tugboat/protocol";
import { z } from "zod";

interface Operation {
  method: "get" | "post";
  path: string;
  summary: string;
  role?: "viewer" | "operator" | "admin";
  body?: z.ZodType;
  /** Query parameters, from an object schema. */
  query?: z.ZodObject;
  response?: z.ZodType;
  status?: number;
}

const OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/api/health",
    summary: "Core is up",
    response: z.object({ status: z.literal("ok"), version: z.string() }),
  },
  {
    method: "post",
    path: "/api/auth/login",
    summary: "Log in; returns a session token",
    body: LoginRequest,
    response: LoginResponse,
  },
  {
    method: "get",
    path: "/api/servers",
    summary: "Servers and their reachability",
    role: "viewer",
    response: z.array(ServerView),
  },
  {
    method: "post",
    path: "/api/servers/{name}/accept-certificate",
    summary: "Pin an agent's changed certificate",
    role: "admin",
  },
  {
    method: "get",
    path: "/api/stacks",
    summary: "Stacks and their state",
    role: "viewer",
    response: z.array(StackView),
  },
  { method: "get", path: "/api/stacks/{name}", summary: "One stack", role: "viewer", response: StackView },
  ...(["deploy", "stop", "start", "restart", "pull"] as const).map(
    (action): Operation => ({
      method: "post",
      path: `/api/stacks/{name}/${action}`,
      summary: `${action} a stack`,
      role: "operator",
      response: AcceptedResponse,
      status: 202,
    }),
  ),
  {
    method: "post",
    path: "/api/stack/{name}/deploy",
    summary: "Deploy a stack (Komodo-style path)",
    role: "operator",
    response: AcceptedResponse,
    status: 202,
  },
  {
    method: "get",
    path: "/api/syncs",
    summary: "Syncs, their last commit and status",
    role: "viewer",
    response: z.array(SyncView),
  },
  {
    method: "get",
    path: "/api/syncs/{name}/plan",
    summary: "The held plan, or the errors of an invalid commit",
    role: "viewer",
  },
  {
    method: "post",
    path: "/api/syncs/{name}/run",
    summary: "Apply the branch head now",
    role: "operator",
    status: 202,
  },
  {
    method: "get",
    path: "/api/updates",
    summary: "Update records (?target=NAME)",
    role: "viewer",
    response: z.array(UpdateView),
  },
  {
    method: "get",
    path: "/api/updates/{id}",
    summary: "One update record with its events",
    role: "viewer",
    response: UpdateView,
  },
  {
    method: "get",
    path: "/api/updates/{id}/events",
    summary: "Live events of an update (server-sent events)",
    role: "viewer",
  },
  {
    method: "get",
    path: "/api/servers/{name}/stats",
    summary: "Host (and container) metrics history of a server",
    role: "viewer",
    query: StatsQuery,
    response: StatsView,
  },
  {
    method: "get",
    path: "/api/stacks/{name}/stats",
    summary: "CPU and memory history of a stack's containers",
    role: "viewer",
    query: StatsQuery.omit({ series: true }),
    response: StatsView,
  },
  {
    method: "get",
    path: "/api/alerts",
    summary: "Alerts, newest first",
    role: "viewer",
    query: z.object({
      status: z.enum(["open", "resolved", "all"]).optional(),
      type: z.string().optional(),
      target: z.string().optional(),
      limit: z.number().optional(),
    }),
    response: z.array(AlertView),
  },
  {
    method: "get",
    path: "/api/alerts/{id}",
    summary: "One alert and its deliveries",
    role: "viewer",
    response: AlertView.extend({ deliveries: z.array(DeliveryView) }),
  },
  {
    method: "get",
    path: "/api/alerters",
    summary: "Configured alerters",
    role: "viewer",
    response: z.array(AlerterView),
  },
  {
    method: "post",
    path: "/api/alerters/{name}/test",
    summary: "Send a test alert through one alerter",
    role: "admin",
    response: DeliveryView,
  },
  { method: "get", path: "/metrics", summary: "Prometheus exposition format", role: "viewer" },
  { method: "get", path: "/api/auth/me", summary: "Who the caller is", role: "viewer", response: MeView },
  {
    method: "get",
    path: "/api/dashboard",
    summary: "Servers with their last sample and stack counts, totals, open alerts, last updates",
    role: "viewer",
    response: DashboardView,
  },
  {
    method: "get",
    path: "/api/stacks/{name}/status",
    summary: "The stack's containers now, from its agent",
    role: "viewer",
    response: StackStatus,
  },
  {
    method: "get",
    path: "/api/stacks/{name}/files",
    summary: "The stack's Compose files at its deployed commit",
    role: "viewer",
    response: StackFilesView,
  },
  {
    method: "get",
    path: "/api/stacks/{name}/logs",
    summary: "Container log lines (follow=1: server-sent events of the same lines)",
    role: "viewer",
    query: z.object({
      tail: z.number().optional(),
      service: z.string().optional(),
      follow: z.enum(["0", "1"]).optional(),
    }),
    response: z.array(LogLineView),
  },
  {
    method: "post",
    path: "/webhooks/github/sync/{name}",
    summary: "GitHub/Gitea/Forgejo push webhook (X-Hub-Signature-256)",
  },
  { method: "post", path: "/webhooks/gitlab/sync/{name}", summary: "GitLab push webhook (X-Gitlab-Token)" },
];

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params: Array<Record<string, unknown>> = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    for (const [name, schema] of Object.entries(op.query?.shape ?? {})) {
      const json = z.toJSONSchema(schema as z.ZodType, { io: "input" });
      params.push({ name, in: "query", required: false, schema: json });
    }
    const item = paths[op.path] ?? {};
    paths[op.path] = item;
    item[op.method] = {
      summary: op.summary,
      ...(op.role ? { security: [{ bearer: [] }], description: `Needs the ${op.role} role.` } : {}),
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(op.body) } } } }
        : {}),
      responses: {
        [String(op.status ?? 200)]: {
          description: "OK",
          ...(op.response
            ? { content: { "application/json": { schema: z.toJSONSchema(op.response, { unrepresentable: "any" }) } } }
            : {}),
        },
        default: { description: "Error: { error: { code, message } }" },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Tugboat core API", version },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
