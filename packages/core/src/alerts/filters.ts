// Which alerters an alert goes to: enabled, its type wanted, its resource
// included and not excluded, the alerter not in a maintenance window.
import type { AlerterConfig } from "@tugboat/config";
import type { AlertRecord } from "./alert-store.js";
import { activeWindow } from "./maintenance.js";

type ResourceRef = string | Record<string, string>;

/** `"immich"`, `{ type = "Stack", id = "immich" }` (Komodo) or `{ Stack = "immich" }`. */
function refers(ref: ResourceRef, alert: AlertRecord): boolean {
  if (typeof ref === "string") return ref === alert.targetName;
  const kind = alert.targetKind.toLowerCase();
  if ("id" in ref || "name" in ref) {
    const name = ref.id ?? ref.name;
    return name === alert.targetName && (!ref.type || ref.type.toLowerCase().replace("resourcesync", "sync") === kind);
  }
  return Object.entries(ref).some(
    ([type, name]) => name === alert.targetName && type.toLowerCase().replace("resourcesync", "sync") === kind,
  );
}

export function alerterWants(config: AlerterConfig, alert: AlertRecord, at: Date, defaultZone?: string): boolean {
  if (!config.enabled) return false;
  if (alert.type !== "Test") {
    if (config.alert_types.length > 0 && !config.alert_types.includes(alert.type)) return false;
    if (config.resources.length > 0 && !config.resources.some((ref) => refers(ref, alert))) return false;
    if (config.except_resources.some((ref) => refers(ref, alert))) return false;
  }
  return activeWindow(config.maintenance_windows, at, defaultZone) === undefined;
}
