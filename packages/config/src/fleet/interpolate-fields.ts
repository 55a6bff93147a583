// `[[NAME]]` in a resource's string config fields (a server's passkey, a
// stack's commands and arguments): replaced in place, unknown names reported,
// the secret values used returned (so they can be masked).
import type { Diagnostics, Location } from "../diagnostics.js";
import { interpolate, type Variable } from "./environment.js";
import { didYouMean } from "./suggest.js";

export function interpolateFields(options: {
  config: object;
  variables: ReadonlyMap<string, Variable>;
  diagnostics: Diagnostics;
  locate: (...field: Array<string | number>) => Location;
  /** For messages: `stack "app"`. */
  resource: string;
  kind: string;
  /** Top-level config fields handled elsewhere (a stack's environment). */
  skip?: readonly string[];
  /** Receives each unknown name instead of an error (a stack's, resolved at deploy). */
  onUnknown?: (name: string, at: Location) => void;
}): string[] {
  const secrets: string[] = [];
  const { variables, diagnostics, locate, resource, kind } = options;
  const visit = (holder: Record<string | number, unknown>, keyPath: Array<string | number>) => {
    for (const key of Object.keys(holder)) {
      const item = holder[key];
      const field = Array.isArray(holder) ? Number(key) : key;
      if (keyPath.length === 0 && options.skip?.includes(key)) continue;
      if (typeof item === "string") {
        if (!item.includes("[[")) continue; // most name no variable
        const result = interpolate(item, variables);
        for (const unknown of result.unknown) {
          if (options.onUnknown) {
            options.onUnknown(unknown.name, locate(...keyPath, field));
            continue;
          }
          diagnostics.error(
            "E_UNKNOWN_VARIABLE",
            `${resource}: unknown variable [[${unknown.name}]] in ${[...keyPath, field].join(".")}${didYouMean(unknown.name, variables.keys())}`,
            locate(...keyPath, field),
            `${kind}.config.${[...keyPath, field].join(".")}`,
          );
        }
        secrets.push(...result.secrets);
        if (result.text !== item) holder[field] = result.text;
      } else if (typeof item === "object" && item !== null) {
        visit(item as Record<string | number, unknown>, [...keyPath, field]);
      }
    }
  };
  visit(options.config as Record<string, unknown>, []);
  return secrets;
}
