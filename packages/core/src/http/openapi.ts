// The OpenAPI document, generated from the zod schemas in @tugboat/protocol.

import {
  AcceptedResponse,
  LoginRequest,
  LoginResponse,
  ServerView,
  StackView,
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
    method: "post",
    path: "/webhooks/github/sync/{name}",
    summary: "GitHub/Gitea/Forgejo push webhook (X-Hub-Signature-256)",
  },
  { method: "post", path: "/webhooks/gitlab/sync/{name}", summary: "GitLab push webhook (X-Gitlab-Token)" },
];

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
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
