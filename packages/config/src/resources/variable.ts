// `[[variable]]`: a value stacks use as `[[NAME]]`. No config table, as in Komodo.
import { z } from "zod";
import type { KindSpec } from "./common.js";

export const VariableResource = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "variable names are letters, digits and underscores, not starting with a digit"),
  value: z.string().default(""),
  description: z.string().default(""),
  /** A secret's value is masked everywhere Tugboat shows or stores it. */
  is_secret: z.boolean().default(false),
});
export type VariableResource = z.infer<typeof VariableResource>;

export const variableKind: KindSpec = {
  kind: "variable",
  schema: VariableResource,
  topLevelKeys: ["name", "value", "description", "is_secret"],
  unsupportedTopLevel: [],
  unsupportedConfig: [],
};
