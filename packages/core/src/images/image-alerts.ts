// The alerts image checks raise: `ImageUpdateAvailable` per stack (services
// with a newer digest that nothing is updating), and one batched
// `ImageVersionsAvailable` for the fleet per round, sent again only when its
// list changes.
import type { AlertManager } from "../alerts/alert-manager.js";
import { imageSpec } from "../deploy/stack-spec.js";
import type { StackRow } from "../deploy/stack-store.js";
import type { ImageCheckRow } from "./image-store.js";
import { versionNotice } from "./version-notice.js";

export const short = (digest: string | null | undefined) => (digest ?? "").replace(/^sha256:/, "").slice(0, 12);

export async function alertAvailable(
  alerts: AlertManager,
  stack: Pick<StackRow, "name" | "server">,
  waiting: readonly ImageCheckRow[],
): Promise<void> {
  const describe = (r: ImageCheckRow) =>
    `${r.service} (${r.image}: ${short(r.runningDigest)} → ${short(r.latestDigest)})`;
  await alerts.observe({
    condition: `image-available:${stack.name}`,
    type: "ImageUpdateAvailable",
    target: { kind: "stack", name: stack.name },
    server: stack.server,
    severity: waiting.length > 0 ? "warning" : null,
    message:
      waiting.length > 0
        ? `${stack.name} on ${stack.server}: newer image for ${waiting.map(describe).join(", ")}`
        : `${stack.name} runs the newest digest of each image`,
    details: waiting.length > 0 ? { services: waiting.map((r) => r.service) } : {},
    openAfter: 1,
  });
}

/** One notice for every version-like tag with newer versions; the one before resolves when the list changes. */
export async function alertVersions(
  alerts: AlertManager,
  rows: readonly ImageCheckRow[],
  stacks: readonly StackRow[],
): Promise<void> {
  const specs = new Map(stacks.map((s) => [s.name, imageSpec(s.spec)]));
  const notice = versionNotice(rows, (stack, service) => specs.get(stack)?.images.find((i) => i.service === service));
  const condition = notice ? `image-versions:${notice.key}` : "";
  for (const open of alerts.openConditions("image-versions:"))
    if (open !== condition)
      await alerts.observe({
        condition: open,
        type: "ImageVersionsAvailable",
        target: { kind: "fleet", name: "images" },
        severity: null,
        message: "the newer versions listed before were taken or are gone",
        details: {},
      });
  if (notice)
    await alerts.observe({
      condition,
      type: "ImageVersionsAvailable",
      target: { kind: "fleet", name: "images" },
      severity: "warning",
      message: notice.message,
      details: { lines: notice.lines },
      openAfter: 1,
    });
}
