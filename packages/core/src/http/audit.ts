// One audit row for a change a route made, with the caller and their address.
import type { FastifyRequest } from "fastify";
import type { AuditEntry } from "../auth/audit.js";
import type { CoreContext } from "./context.js";

export function audited(
  ctx: Pick<CoreContext, "audit">,
  request: FastifyRequest,
  action: string,
  target: string,
  detail: Record<string, unknown> = {},
  outcome: AuditEntry["outcome"] = "ok",
): Promise<void> {
  return ctx.audit.record({
    actor: request.principal?.username ?? "anonymous",
    action,
    target,
    outcome,
    source: request.ip,
    detail,
  });
}
