// tugboat.toml at the repository root: repository-wide settings (lint switches).

import { DEFAULT_LINTS, type LintName, type LintSettings } from "../compose/lints.js";
import type { Diagnostics } from "../diagnostics.js";
import { parseToml } from "../toml/parse-toml.js";
import { didYouMean } from "./suggest.js";

export const SETTINGS_FILE = "tugboat.toml";

export interface RepoSettings {
  lint: LintSettings;
}

export function readSettings(text: string | undefined, diagnostics: Diagnostics): RepoSettings {
  const lint = { ...DEFAULT_LINTS };
  if (text === undefined) return { lint };
  const parsed = parseToml(SETTINGS_FILE, text);
  if (!parsed.ok) {
    diagnostics.error("E_TOML_SYNTAX", `TOML syntax error: ${parsed.error.message}`, parsed.error);
    return { lint };
  }
  const { toml } = parsed;
  for (const [section, value] of Object.entries(toml.value)) {
    if (section !== "lint") {
      diagnostics.warning(
        "W_UNKNOWN_FIELD",
        `unknown section [${section}]${didYouMean(section, ["lint"])}; ignored`,
        toml.locate([section]),
      );
      continue;
    }
    for (const [name, enabled] of Object.entries(value as Record<string, unknown>)) {
      if (!(name in lint)) {
        diagnostics.warning(
          "W_UNKNOWN_FIELD",
          `unknown lint "${name}"${didYouMean(name, Object.keys(lint))}; ignored`,
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
      } else lint[name as LintName] = enabled;
    }
  }
  return { lint };
}
