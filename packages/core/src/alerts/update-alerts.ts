// Alerts from finished updates: a failed deploy opens one for its stack (the
// next successful deploy resolves it), and one more when it was rolled back; a
// failed image update opens one (rolled back, or failed);
// an invalid commit or a sync that could not run opens one for the sync (the
// next good sync resolves it).

import type { UpdateRecord } from "../updates/update-store.js";
import type { AlertManager } from "./alert-manager.js";

interface ResultShape {
  error?: { code?: string; message?: string };
  failures?: Array<{ service: string; reason: string }>;
  errors?: Array<{ file: string; line: number; message: string }>;
}

export function alertOnUpdates(deps: {
  alerts: AlertManager;
  stackServer: (stack: string) => Promise<string | undefined>;
  /** What the stack's containers logged between two times (ISO), when logs are collected. */
  linesDuring?: (stack: string, from: string, to: string) => Promise<string[]>;
}): (update: UpdateRecord) => Promise<void> {
  /** The lines the stack logged while the update ran. */
  const logsOf = async (update: UpdateRecord) =>
    deps.linesDuring && update.startedAt && update.endedAt
      ? deps.linesDuring(update.targetName, update.startedAt, update.endedAt).catch(() => [])
      : [];
  return async (update) => {
    const { id: updateId, status, result } = update;
    const shape = (result ?? {}) as ResultShape;
    const failed = status === "failed";
    if (update.operation === "deploy" && update.targetKind === "stack") {
      const stack = update.targetName;
      const why =
        shape.failures?.map((f) => `${f.service}: ${f.reason}`).join("; ") ||
        shape.error?.message ||
        "the deploy failed";
      const failure = {
        condition: `deploy:${stack}`,
        type: "StackDeployFailed" as const,
        target: { kind: "stack" as const, name: stack },
        ...(await deps.stackServer(stack).then((server) => (server ? { server } : {}))),
        severity: failed ? ("critical" as const) : null,
        message: failed ? `deploy of ${stack} failed: ${why}` : `${stack} deployed`,
        details: { updateId, ...(failed ? { code: shape.error?.code ?? "E_DEPLOY_FAILED" } : {}) },
        openAfter: 1,
        // A later failure of a stack whose alert is open says why this time.
        update: true,
      };
      await deps.alerts.observe(failure);
      const rolledBack = failed && shape.error?.code === "E_ROLLED_BACK";
      if (rolledBack || !failed)
        await deps.alerts.observe({
          condition: `rollback:${stack}`,
          type: "StackRolledBack",
          target: { kind: "stack", name: stack },
          ...(await deps.stackServer(stack).then((server) => (server ? { server } : {}))),
          severity: rolledBack ? "warning" : null,
          message: rolledBack
            ? `${stack}: ${shape.error?.message ?? "rolled back"}; the failed version waits for a new push or a person`
            : `${stack} deployed`,
          details: { updateId },
          openAfter: 1,
        });
      // The lines logged during the deploy arrive a moment after it: added to the open alert then, never waited for.
      if (failed && deps.linesDuring) {
        const logs = await logsOf(update);
        if (logs.length > 0)
          await deps.alerts.observe({
            ...failure,
            details: { ...failure.details, logs },
            // Still this deploy's alert: not resolved since, nor about a later failure.
            ifOpen: (open) => open.details.updateId === updateId,
          });
      }
    }
    const images = update.operation === "update-images";
    // An image update that failed alerts once: rolled back (StackRolledBack), or failed otherwise
    // (StackDeployFailed). A later image update or deploy that succeeds resolves it.
    if ((images || (update.operation === "deploy" && !failed)) && update.targetKind === "stack") {
      const stack = update.targetName;
      const server = await deps.stackServer(stack).then((name) => (name ? { server: name } : {}));
      const rolledBack = images && failed && shape.error?.code === "E_ROLLED_BACK";
      const why = shape.error?.message ?? "unknown error";
      await deps.alerts.observe({
        condition: `image-rollback:${stack}`,
        type: "StackRolledBack",
        target: { kind: "stack", name: stack },
        ...server,
        severity: rolledBack ? "warning" : null,
        message: rolledBack
          ? `${stack}: the image update failed and was rolled back: ${why}; not tried again until the registry has another digest`
          : `${stack}: images updated`,
        details: { updateId },
        openAfter: 1,
      });
      const otherwise = images && failed && !rolledBack;
      await deps.alerts.observe({
        condition: `image-update-failed:${stack}`,
        type: "StackDeployFailed",
        target: { kind: "stack", name: stack },
        ...server,
        // A pull that brought nothing new changed nothing on the host: a warning.
        severity: otherwise ? (shape.error?.code === "E_IMAGE_NOT_UPDATED" ? "warning" : "critical") : null,
        message: otherwise ? `image update of ${stack} failed: ${why}` : `${stack}: images updated`,
        details: { updateId, ...(otherwise ? { code: shape.error?.code } : {}) },
        openAfter: 1,
      });
    }
    if (update.operation === "sync") {
      const code = shape.error?.code;
      // A sync that applied its commit but had deploys fail is fine as a sync: those deploys
      // have their own alerts. Only an invalid commit or a sync that could not run is bad here.
      const syncFailed = status === "failed" && code !== "E_DEPLOY_FAILED";
      const first = shape.errors?.[0];
      const where = first
        ? ` (${first.file}:${first.line}: ${first.message}${shape.errors && shape.errors.length > 1 ? `, and ${shape.errors.length - 1} more` : ""})`
        : "";
      await deps.alerts.observe({
        condition: `sync:${update.targetName}`,
        type: "ResourceSyncFailed",
        target: { kind: "sync", name: update.targetName },
        severity: syncFailed ? "critical" : null,
        message: syncFailed
          ? `sync ${update.targetName} failed at ${update.commit?.slice(0, 7) ?? "?"}: ${shape.error?.message ?? "unknown error"}${where}`
          : `sync ${update.targetName} is fine again`,
        details: { updateId, ...(syncFailed ? { code } : {}) },
        openAfter: 1,
      });
    }
  };
}
