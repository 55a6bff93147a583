// Hardening lints on compose services: pinned image tags, healthchecks,
// restart policies, memory limits, no-new-privileges. Off unless the
// repository turns them on in tugboat.toml ([lint] all = true, or one by
// one) or `tug validate --lint` asks: on a real repository they would be most
// of the output. A lint that is off still counts its findings, for a
// one-line summary.
import type { Diagnostics } from "../diagnostics.js";
import type { ComposeDocument, YamlPath } from "./parse-compose.js";

export const LINTS = {
  latest_image: "W_IMAGE_LATEST",
  no_healthcheck: "W_NO_HEALTHCHECK",
  no_restart_policy: "W_NO_RESTART_POLICY",
  no_memory_limit: "W_NO_MEMORY_LIMIT",
  no_new_privileges: "W_NO_NEW_PRIVILEGES",
} as const;

export type LintName = keyof typeof LINTS;
export type LintSettings = Record<LintName, boolean>;

export const DEFAULT_LINTS: LintSettings = {
  latest_image: false,
  no_healthcheck: false,
  no_restart_policy: false,
  no_memory_limit: false,
  no_new_privileges: false,
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Services other services wait on with `service_completed_successfully`: one-shot init jobs. */
function oneShotServices(services: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  for (const definition of Object.values(services)) {
    if (!isObject(definition) || !isObject(definition.depends_on)) continue;
    for (const [name, dep] of Object.entries(definition.depends_on)) {
      if (isObject(dep) && dep.condition === "service_completed_successfully") found.add(name);
    }
  }
  return found;
}

export function lintCompose(compose: ComposeDocument, settings: LintSettings, diagnostics: Diagnostics): void {
  const services = isObject(compose.value.services) ? compose.value.services : {};
  const oneShot = oneShotServices(services);
  for (const [service, definition] of Object.entries(services)) {
    if (!isObject(definition)) continue;
    const field = `services.${service}`;
    const warn = (lint: LintName, message: string, path: YamlPath = ["services", service]) => {
      if (!settings[lint]) {
        diagnostics.suppress(lint);
        return;
      }
      const at = compose.locate(path, { key: path.length === 2 });
      diagnostics.warning(LINTS[lint], `${message} (lint ${lint})`, at, field);
    };
    if (typeof definition.image === "string") {
      const image = definition.image;
      const name = image.split("@")[0] ?? image;
      const tag = name.lastIndexOf(":") > name.lastIndexOf("/") ? name.slice(name.lastIndexOf(":") + 1) : undefined;
      if (!image.includes("@") && (tag === undefined || tag === "latest")) {
        warn(
          "latest_image",
          `service "${service}" uses ${tag ? "the :latest tag" : "an untagged image"} (${image}); pin a version so deploys are repeatable`,
          ["services", service, "image"],
        );
      }
    }
    if (oneShot.has(service)) continue;
    if (definition.healthcheck === undefined) warn("no_healthcheck", `service "${service}" has no healthcheck`);
    if (
      definition.restart === undefined &&
      !isObject(isObject(definition.deploy) ? definition.deploy.restart_policy : undefined)
    ) {
      warn("no_restart_policy", `service "${service}" has no restart policy`);
    }
    const deployLimits =
      isObject(definition.deploy) && isObject(definition.deploy.resources)
        ? definition.deploy.resources.limits
        : undefined;
    if (definition.mem_limit === undefined && !(isObject(deployLimits) && deployLimits.memory !== undefined)) {
      warn("no_memory_limit", `service "${service}" has no memory limit`);
    }
    const securityOpt = Array.isArray(definition.security_opt) ? definition.security_opt.map(String) : [];
    if (!securityOpt.some((opt) => /^no-new-privileges(?::true|=true)?$/.test(opt))) {
      warn("no_new_privileges", `service "${service}" does not set security_opt no-new-privileges:true`);
    }
  }
}
