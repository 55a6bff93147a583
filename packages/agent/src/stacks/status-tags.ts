// A status round mostly finds every stack as it was: each status the agent
// sends on /poll carries a tag (a hash of it), and core says which tag it
// holds for each stack; a status still matching it is answered with the tag
// alone, so neither side writes or parses what did not change.
import { hash } from "node:crypto";

type Unchanged = { stack: string; project: string; unchanged: string };

export function tagged<T extends { stack: string; project: string }>(
  statuses: readonly T[],
  seen: ReadonlyMap<string, string | undefined>,
): Array<T | (T & { tag: string }) | Unchanged> {
  return statuses.map((status) => {
    if ("error" in status) return status;
    const tag = hash("sha256", JSON.stringify(status), "base64url");
    return tag === seen.get(status.stack)
      ? { stack: status.stack, project: status.project, unchanged: tag }
      : { ...status, tag };
  });
}
