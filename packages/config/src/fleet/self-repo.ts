// Which repository "this one" is. Komodo repositories almost always name
// their own repository: `repo = "owner/name"` on a stack, or `linked_repo`
// naming a [[repo]] that points back here, like the sync itself does. Such a
// stack's files are in this checkout, at this commit: they are checked and
// fingerprinted like any other, not treated as another repository's.
import { repositoryUrl } from "../resources/repo.js";

/**
 * A repository's identity for comparison: `host/owner/name`, lower-case,
 * whatever the transport (https, ssh, `git@host:path`), credentials, port or
 * `.git` suffix. A local path is `file:` and the path. Undefined when `url`
 * is not a repository address.
 */
export function repositoryIdentity(url: string): string | undefined {
  const trimmed = url
    .trim()
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "");
  if (trimmed === "") return undefined;
  if (trimmed.startsWith("/")) return `file:${trimmed}`;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(trimmed);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return `${scp[1]}/${scp[2]}`.toLowerCase();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (parsed.protocol === "file:") return `file:${decodeURIComponent(parsed.pathname).replace(/\/+$/, "")}`;
  const path = decodeURIComponent(parsed.pathname)
    .replace(/^\/+/, "")
    .replace(/\.git$/i, "");
  return path === "" ? undefined : `${parsed.hostname}/${path}`.toLowerCase();
}

/** The repositories known to be this one, and the branch the sync reads (when known). */
export class SelfRepository {
  private readonly identities = new Set<string>();

  constructor(
    urls: readonly string[],
    /** The branch read; undefined when not known (offline, a detached checkout). */
    public branch: string | undefined,
  ) {
    for (const url of urls) this.add(url);
  }

  get known(): boolean {
    return this.identities.size > 0;
  }

  add(url: string): void {
    const identity = repositoryIdentity(url);
    if (identity) this.identities.add(identity);
  }

  /**
   * Whether a sync naming `named` (undefined: no repository named, or one
   * defined only in Komodo's UI) may be reading this repository: it names
   * none, this one, or one we cannot tell apart offline.
   */
  couldBe(named: Parameters<SelfRepository["matches"]>[0] | undefined): boolean {
    return named === undefined || !this.known || this.matches(named);
  }

  /** Whether a repository given Komodo-style (`repo` + `git_provider`) or by URL is this one, on this branch. */
  matches(config: { url?: string; repo: string; git_provider: string; git_https: boolean; branch: string }): boolean {
    const identity = repositoryIdentity(repositoryUrl(config));
    return (
      identity !== undefined &&
      this.identities.has(identity) &&
      (this.branch === undefined || this.branch === config.branch)
    );
  }
}
