// Variables and secrets core holds for the `[[NAME]]`s a repository only names.
import { z } from "zod";

export const VariableView = z.object({
  name: z.string(),
  secret: z.boolean(),
  description: z.string(),
  /** Empty for a secret: its value is never shown. */
  value: z.string(),
  updatedAt: z.string(),
});
export type VariableView = z.infer<typeof VariableView>;

export const VariableParams = z.object({ name: z.string().regex(/^[A-Za-z0-9_]{1,128}$/) });

export const SetVariableRequest = z.object({
  value: z.string().max(65_536),
  /** A secret's value is sealed like every value, never shown, and masked in every record and log. */
  secret: z.boolean().default(false),
  description: z.string().max(1000).default(""),
});
export type SetVariableRequest = z.input<typeof SetVariableRequest>;
