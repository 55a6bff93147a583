// `log_alerts` of a stack: patterns whose lines open a `LogPattern` alert.
// Patterns come from the repository, so they are RE2 (re2js): matching takes
// time linear in the line whatever the pattern, and a pattern RE2 cannot run
// (a backreference, a lookahead) is an error at its line, never a stall.
import { RE2JS } from "re2js";
import { z } from "zod";

function re2Problem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export const LogAlertConfig = z
  .object({
    /** An RE2 regular expression, matched anywhere in the line; `(?i)` makes it case-insensitive. */
    pattern: z
      .string()
      .min(1)
      .max(1_000)
      .superRefine((pattern, context) => {
        const problem = re2Problem(pattern);
        if (problem) context.addIssue({ code: "custom", message: `is not a pattern RE2 can run (${problem})` });
      }),
    severity: z.enum(["warning", "critical"]).default("warning"),
    /** The alert resolves after this long without a matching line. */
    quiet_minutes: z.number().int().min(1).max(1_440).default(10),
  })
  .strict();
export type LogAlertConfig = z.infer<typeof LogAlertConfig>;
