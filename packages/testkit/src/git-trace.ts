// The git processes a test's code starts, from git's own trace2 events: every
// git started by this process (its environment is inherited) logs its start
// to one file. Children of those (a fetch's upload-pack) are left out.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "./temp-dir.js";

export interface GitTrace {
  /** The subcommand of each git started so far, in order ("checkout", "fetch", …). */
  commands(): Promise<string[]>;
  /** Stops tracing and removes the trace. */
  stop(): Promise<void>;
}

export async function traceGit(): Promise<GitTrace> {
  const dir = await tempDir("tug-git-trace-");
  const file = join(dir.path, "trace.jsonl");
  process.env.GIT_TRACE2_EVENT = file;
  return {
    async commands() {
      return (await readFile(file, "utf8").catch(() => ""))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; sid: string; argv?: string[] })
        .filter((e) => e.event === "start" && !e.sid.includes("/"))
        .map((e) => e.argv?.slice(1).find((a) => !a.startsWith("-") && !a.includes("=") && !a.includes("/")) ?? "?");
    },
    async stop() {
      delete process.env.GIT_TRACE2_EVENT;
      await dir.cleanup();
    },
  };
}
