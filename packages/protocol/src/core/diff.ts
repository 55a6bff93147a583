// Core API: what changes for a stack between two commits, file by file and
// its environment by key (secret values never included).
import { z } from "zod";

const Commitish = z.string().regex(/^[0-9a-f]{7,40}$/, "a commit SHA");

export const StackDiffQuery = z.object({
  /** Default: the commit the stack was last deployed from. */
  from: Commitish.optional(),
  /** Default: the sync's branch head as core last saw it. */
  to: Commitish.optional(),
});

const Change = z.enum(["added", "removed", "changed"]);

export const StackDiffView = z.object({
  stack: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  files: z.array(
    z.object({
      path: z.string(),
      via: z.string(),
      change: Change,
      before: z.string().nullable(),
      after: z.string().nullable(),
      note: z.string().optional(),
    }),
  ),
  environment: z.array(
    z.object({ name: z.string(), change: Change, before: z.string().nullable(), after: z.string().nullable() }),
  ),
  notes: z.array(z.string()),
});
export type StackDiffView = z.infer<typeof StackDiffView>;
