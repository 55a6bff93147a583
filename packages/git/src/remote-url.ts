// Which Git remotes Tugboat will talk to. A URL comes from a repository a
// push can change, so it is checked before git ever sees it: https, http and
// ssh URLs and scp-like `git@host:path`; a local path only where the caller
// allows it (core's own TUG_SYNC_REPO, never a URL from the repository).

export type RemoteKind = "https" | "http" | "ssh" | "scp" | "local";

export type RemoteCheck = { ok: true; kind: RemoteKind } | { ok: false; problem: string };

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;
const HAS_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

export function checkRemoteUrl(url: string, options: { allowLocal?: boolean } = {}): RemoteCheck {
  if (url === "") return { ok: false, problem: "the repository URL is empty" };
  if (url.startsWith("-")) return { ok: false, problem: `"${url}" starts with "-", which git would read as an option` };
  if (/[\s\0]/.test(url.trim()) || url !== url.trim())
    return { ok: false, problem: "the repository URL holds whitespace or control characters" };
  const scheme = HAS_SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === "https" || scheme === "http" || scheme === "ssh") {
    try {
      const parsed = new URL(url);
      if (!parsed.hostname) return { ok: false, problem: `"${url}" names no host` };
      if (parsed.hostname.startsWith("-")) return { ok: false, problem: `the host of "${url}" starts with "-"` };
    } catch {
      return { ok: false, problem: `"${url}" is not a valid URL` };
    }
    return { ok: true, kind: scheme };
  }
  if (scheme === "file" || (!scheme && (url.startsWith("/") || url.startsWith(".") || url.startsWith("~")))) {
    return options.allowLocal
      ? { ok: true, kind: "local" }
      : {
          ok: false,
          problem: `"${url}" is a local path; only core's own TUG_SYNC_REPO may be one (use an https or ssh URL)`,
        };
  }
  if (scheme) return { ok: false, problem: `"${scheme}://" is not allowed: use https, http or ssh` };
  if (url.includes("::")) return { ok: false, problem: `"${url}" names a git remote helper, which is not allowed` };
  if (SCP_LIKE.test(url)) return { ok: true, kind: "scp" };
  return {
    ok: false,
    problem: `"${url}" is not a Git URL: use https://host/owner/repo.git or git@host:owner/repo.git`,
  };
}

/** A branch name git accepts as a ref and cannot read as an option. */
export function checkBranch(branch: string): string | undefined {
  if (branch === "") return "the branch is empty";
  if (branch.startsWith("-")) return `branch "${branch}" starts with "-", which git would read as an option`;
  const control = [...branch].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control || /[\s~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.lock$|^\.|\/\./.test(branch))
    return `"${branch}" is not a valid branch name`;
  return undefined;
}
