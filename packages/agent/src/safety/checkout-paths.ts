// Paths inside a stack's checkout, where the repository decides what is a
// file and what is a symlink. Nothing the agent opens, writes or hands to
// Compose may lead out of the checkout through a symlink: a committed `.env`
// link to /etc/passwd must not be overwritten, an env file linked to a host
// secret must not be read into a container, a symlinked folder under the run
// directory must not bind-mount the host.
import { constants } from "node:fs";
import { lstat, open, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { git } from "@tugboat/git";
import { TugError } from "@tugboat/protocol";

function escapes(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel.startsWith("..") || isAbsolute(rel);
}

function refuse(what: string, path: string, worktree: string): never {
  throw new TugError(
    "E_INVALID_REQUEST",
    `${what} ${JSON.stringify(relative(worktree, path) || ".")} leads out of the stack's checkout through a symlink; refusing to use it`,
  );
}

/** Fails unless `path` (which must exist) resolves, symlinks followed, to a place inside the checkout. */
export async function requireInside(worktree: string, path: string, what: string): Promise<void> {
  const root = await realpath(worktree);
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT")
      throw new TugError(
        "E_INVALID_REQUEST",
        `${what} ${JSON.stringify(relative(worktree, path))} does not exist in the checkout`,
      );
    throw error;
  });
  if (escapes(root, real)) refuse(what, path, worktree);
}

/**
 * Writes a file the agent owns (the env file, mode 0600) without following a
 * symlink: its folder must be inside the checkout, and a symlink at the file
 * itself is refused rather than written through.
 */
export async function writeInside(worktree: string, file: string, content: string): Promise<void> {
  await requireInside(worktree, dirname(file), "folder");
  const existing = await lstat(file).catch(() => undefined);
  if (existing?.isSymbolicLink())
    throw new TugError(
      "E_INVALID_REQUEST",
      `${JSON.stringify(relative(worktree, file))} is a symlink in the repository; the agent writes the env file there and will not write through a link`,
    );
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.chmod(0o600);
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

/** Reads a file of the checkout, refusing one that is (or leads through) a symlink out of it. */
export async function readInside(worktree: string, file: string, what: string): Promise<string> {
  await requireInside(worktree, file, what);
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** What a deploy needs to know of the checked-out commit (paths relative to the checkout). */
export interface CommittedFacts {
  /** The symlinks under the run directory. */
  links: readonly string[];
  /** Those of the files asked about that are committed. */
  files: ReadonlySet<string>;
}

/** Facts by commit, folder and files asked about: a commit's tree never changes, so neither do they. */
const facts = new Map<string, CommittedFacts>();
const FACTS_KEPT = 256;

/**
 * The symlinks `commit` holds under `folder`, and which of `files` (absolute
 * paths in the checkout) it holds, from the checkout's index, which
 * `checkout --force` has just made the commit's: one git process for a new
 * commit, none for a redeploy of one already asked about. Only small answers
 * are kept, never a listing of the folder.
 */
export async function committedFacts(
  worktree: string,
  commit: string,
  folder: string,
  files: readonly string[],
): Promise<CommittedFacts> {
  const asked = files.map((file) => relative(worktree, file));
  const key = [commit, folder, ...asked].join("\0");
  const kept = facts.get(key);
  if (kept) return kept;
  // The repository names these paths: git must not read `:(exclude)…` or `*` in them as pathspec magic.
  const { stdout } = await git([
    "--literal-pathspecs",
    "-C",
    worktree,
    "ls-files",
    "-s",
    "-z",
    "--",
    folder || ".",
    ...asked,
  ]);
  const base = resolve(worktree, folder);
  const links: string[] = [];
  const present = new Set<string>();
  for (const record of stdout.split("\0")) {
    if (record === "") continue;
    const path = record.slice(record.indexOf("\t") + 1);
    if (asked.includes(path)) present.add(path);
    if (record.startsWith("120000 ") && !escapes(base, resolve(worktree, path))) links.push(path);
  }
  const answer = { links, files: present };
  facts.set(key, answer);
  if (facts.size > FACTS_KEPT) facts.delete(facts.keys().next().value as string);
  return answer;
}

/** Every symlink committed under the run directory must point inside the checkout. */
export async function requireNoEscapingLinks(worktree: string, committed: CommittedFacts): Promise<void> {
  if (committed.links.length === 0) return;
  const root = await realpath(worktree);
  for (const path of committed.links) {
    const link = resolve(worktree, path);
    const target = resolve(dirname(link), await readlink(link));
    const real = await realpath(target).catch(() => undefined);
    if (real ? escapes(root, real) : escapes(worktree, target)) refuse("symlink", link, worktree);
  }
}
