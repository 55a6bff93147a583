// tugboat.toml at the repository root: repository-wide settings. [lint]
// turns hardening lints on (all = true, or by name); they are off by default.
// [reconcile] sets the self-heal and rollback defaults of every stack.

import { DEFAULT_LINTS, type LintName, type LintSettings } from "../compose/lints.js";
import type { Diagnostics } from "../diagnostics.js";
import { parseToml } from "../toml/parse-toml.js";
import { RECONCILE_DEFAULTS, type ReconcileDefaults, readReconcileDefaults } from "./reconcile.js";
import { didYouMean } from "./suggest.js";

export const SETTINGS_FILE = "tugboat.toml";

export interface RepoSettings {
  lint: LintSettings;
  /**
   * `[servers] external`: servers another repository declares (several
   * repositories feeding one core). Offline they count as known and enabled;
   * core checks against the servers it really knows.
   */
  externalServers: string[];
  reconcile: ReconcileDefaults;
}

export function readSettings(
  text: string | undefined,
  diagnostics: Diagnostics,
  options: { lintAll?: boolean } = {},
): RepoSettings {
  const lint = { ...DEFAULT_LINTS };
  if (options.lintAll) for (const name of Object.keys(lint)) lint[name as LintName] = true;
  const externalServers: string[] = [];
  let reconcile = { ...RECONCILE_DEFAULTS };
  if (text === undefined) return { lint, externalServers, reconcile };
  const parsed = parseToml(SETTINGS_FILE, text);
  if (!parsed.ok) {
    diagnostics.error("E_TOML_SYNTAX", `TOML syntax error: ${parsed.error.message}`, parsed.error);
    return { lint, externalServers, reconcile };
  }
  const { toml } = parsed;
  for (const [section, value] of Object.entries(toml.value)) {
    if (section === "servers") {
      const external = (value as Record<string, unknown>).external;
      if (Array.isArray(external) && external.every((name) => typeof name === "string"))
        externalServers.push(...external);
      else
        diagnostics.error(
          "E_INVALID_TYPE",
          "servers.external must be a list of server names",
          toml.locate(["servers", "external"]),
          "servers.external",
        );
      continue;
    }
    if (section === "reconcile") {
      reconcile = readReconcileDefaults(value, toml, diagnostics);
      continue;
    }
    if (section !== "lint") {
      diagnostics.warning(
        "W_UNKNOWN_FIELD",
        `unknown section [${section}]${didYouMean(section, ["lint", "reconcile", "servers"])}; ignored`,
        toml.locate([section]),
      );
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    // `all` first, so a lint named after it can still be turned off.
    entries.sort(([a], [b]) => (a === "all" ? -1 : b === "all" ? 1 : 0));
    for (const [name, enabled] of entries) {
      if (name === "all" && typeof enabled === "boolean") {
        if (!options.lintAll) for (const key of Object.keys(lint)) lint[key as LintName] = enabled;
        continue;
      }
      if (!(name in lint)) {
        diagnostics.warning(
          "W_UNKNOWN_FIELD",
          `unknown lint "${name}"${didYouMean(name, [...Object.keys(lint), "all"])}; ignored`,
          toml.locate(["lint", name]),
          `lint.${name}`,
        );
      } else if (typeof enabled !== "boolean") {
        diagnostics.error(
          "E_INVALID_TYPE",
          `lint.${name} must be true or false`,
          toml.locate(["lint", name]),
          `lint.${name}`,
        );
      } else if (!options.lintAll) lint[name as LintName] = enabled;
    }
  }
  return { lint, externalServers, reconcile };
}
