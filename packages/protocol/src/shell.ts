// A shell in a container: the agent's WebSocket `/stacks/:name/exec` (and
// core's, which bridges to it). Binary frames carry the terminal's bytes both
// ways; text frames carry control messages as JSON. The socket closes with
// the shell's exit code as its reason (`{"exitCode":0}`).
import { z } from "zod";

/** Tries bash, falls back to sh: most images have one of them. */
export const DEFAULT_SHELL = ["/bin/sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"];

export const ShellCommand = z.array(z.string().max(4_096)).min(1).max(64);

export const ShellQuery = z.object({
  service: z.string().min(1).max(128),
  /** A JSON array: the command to run (default: bash, or sh). */
  command: z
    .string()
    .max(65_536)
    .transform((text, context) => {
      try {
        return ShellCommand.parse(JSON.parse(text));
      } catch {
        context.addIssue({ code: "custom", message: "must be a JSON array of strings" });
        return z.NEVER;
      }
    })
    .optional(),
});

export const ShellControl = z.discriminatedUnion("type", [
  /** From the client: the terminal's size. */
  z.object({
    type: z.literal("resize"),
    cols: z.number().int().min(1).max(1_000),
    rows: z.number().int().min(1).max(1_000),
  }),
  /** From the agent, first: the container the shell runs in. */
  z.object({ type: z.literal("started"), container: z.string(), id: z.string() }),
]);
export type ShellControl = z.infer<typeof ShellControl>;

/** A text frame's control message, or undefined for anything else (never throws: frames come from the network). */
export function parseShellControl(text: string): ShellControl | undefined {
  try {
    return ShellControl.safeParse(JSON.parse(text)).data;
  } catch {
    return undefined;
  }
}

/** `POST /api/stacks/:name/shell`: a single-use ticket for one shell. */
export const ShellTicketRequest = z.object({
  service: z.string().min(1).max(128),
  /** Default: bash, else sh. */
  command: ShellCommand.optional(),
});

export const ShellTicketView = z.object({
  ticket: z.string(),
  expiresAt: z.string(),
  /** Open a WebSocket here (same origin) within 30 s. */
  path: z.string(),
});
export type ShellTicketView = z.infer<typeof ShellTicketView>;

export const ShellSocketQuery = z.object({ ticket: z.string().min(1).max(128) });
