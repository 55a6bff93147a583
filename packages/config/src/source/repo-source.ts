// Where a fleet repository's files are read from: a Git commit or a working tree.
// Both answer with Git object ids, so fingerprints agree between the two.

export type EntryType = "blob" | "tree";

export interface RepoEntry {
  type: EntryType;
  /** Git object id (blob id for files, tree id for folders). */
  oid: string;
  /** A symbolic link (Git mode 120000): a blob holding the target's path. */
  symlink?: true;
}

/**
 * The first part of `path` (itself or a folder above it) that is a symlink,
 * or undefined. Git stores a link as a file, so a path that goes through a
 * linked folder is not in the tree at all: the link above it is what to report.
 */
export async function symlinkOnPath(source: RepoSource, path: string): Promise<string | undefined> {
  if (source.hasSymlinks?.() === false) return undefined;
  const parts = path.split("/").filter(Boolean);
  for (let n = 1; n <= parts.length; n += 1) {
    const prefix = parts.slice(0, n).join("/");
    const entry = await source.entry(prefix);
    if (!entry) return undefined;
    if (entry.symlink) return prefix;
  }
  return undefined;
}

export interface RepoSource {
  /** For messages: "commit 1a2b3c4" or "working tree /srv/fleet". */
  readonly label: string;
  /** The commit SHA, when the source is a commit. */
  readonly commit?: string;
  /** The entry at a repository-relative path ("" is the root), or undefined when missing. */
  entry(path: string): Promise<RepoEntry | undefined>;
  /** Names directly inside a folder, or undefined when it is not a folder. */
  list(path: string): Promise<string[] | undefined>;
  /** Every file below a folder, with its blob id, as repository-relative paths. */
  files(path: string): Promise<Map<string, string>>;
  readText(path: string): Promise<string>;
  /** Whether any entry is a symlink, when the source knows without looking (a commit's listing). */
  hasSymlinks?(): boolean;
  /** Releases what the source holds open (a git child process). */
  close(): Promise<void>;
}

/** What a path already normal has none of: `.` or `..` parts, empty parts, backslashes. */
const NOT_NORMAL = /(^|\/)\.\.?(\/|$)|\/\/|^\/|\/$|\\/;

/** Normalises a repository-relative path; undefined when it escapes the repository. */
export function normalizeRepoPath(path: string): string | undefined {
  if (!NOT_NORMAL.test(path)) return path;
  const parts: string[] = [];
  for (const part of path.replaceAll("\\", "/").split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

export function joinRepoPath(...parts: string[]): string | undefined {
  return normalizeRepoPath(parts.filter(Boolean).join("/"));
}
