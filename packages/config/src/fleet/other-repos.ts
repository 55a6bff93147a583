// Stacks whose files live in another repository (named by `repo`, or by a
// [[repo]] their `linked_repo` names). Whoever loads the fleet opens that
// repository at the commit to read: core at its branch head (or at the
// commit last applied), `tug validate --repo NAME=PATH` a local checkout.
// Each repository is read once, with its own compose cache and diagnostics:
// an error in its files makes *that* commit invalid, so none of its stacks
// deploys, and the rest of the fleet goes on.
import { redactUrl } from "@tugboat/git";
import type { AnalysisCache } from "../analysis/analysis-cache.js";
import { FileAnalyses } from "../analysis/file-analyses.js";
import { type Diagnostic, Diagnostics } from "../diagnostics.js";
import type { RepoSource } from "../source/repo-source.js";
import type { ComposeCache } from "./compose-files.js";
import type { ExternalSource, FleetStack } from "./model.js";

export interface RepositoryRef {
  url: string;
  branch: string;
  /** The [[repo]] that names it, if one does. */
  name?: string;
}

/**
 * Opens another repository at the commit to read. Undefined: not available
 * here (offline, no `--repo` for it); `{ problem }`: it could not be read.
 */
export type OpenRepository = (ref: RepositoryRef) => Promise<RepoSource | { problem: string } | undefined>;

/** How a repository and branch are named in state and messages: credentials never in it. */
export function repositoryKey(ref: { url: string; branch: string }): string {
  return `${redactUrl(ref.url)}#${ref.branch}`;
}

/** One other repository as read for this load. */
export interface OtherRepository {
  ref: RepositoryRef;
  source: RepoSource;
  /** Its own: an error here invalidates this repository's commit, not the fleet's. */
  diagnostics: Diagnostics;
  composeCache: ComposeCache;
}

export class OtherRepositories {
  private readonly opened = new Map<string, Promise<OtherRepository | { problem: string } | undefined>>();

  constructor(
    private readonly open: OpenRepository | undefined,
    private readonly cache?: AnalysisCache,
  ) {}

  /** The repository a stack names, opened once per load. */
  get(ref: RepositoryRef): Promise<OtherRepository | { problem: string } | undefined> {
    const key = repositoryKey(ref);
    let pending = this.opened.get(key);
    if (!pending) {
      pending = (this.open?.(ref) ?? Promise.resolve(undefined)).then(
        (opened) => (opened === undefined || "problem" in opened ? opened : this.read(ref, labelled(opened, ref))),
        (error: Error) => ({ problem: error.message }),
      );
      this.opened.set(key, pending);
    }
    return pending;
  }

  /**
   * Once every stack is resolved: each repository's findings join the fleet's,
   * naming the repository (and, for a file in it, as part of the file: a
   * finding may also point at the [[stack]] here that names a missing file).
   * A repository with errors leaves its stacks unread, so none of them
   * deploys from the invalid commit.
   */
  async finish(stacks: readonly FleetStack[], diagnostics: Diagnostics, ownFiles: ReadonlySet<string>): Promise<void> {
    for (const pending of this.opened.values()) {
      const other = await pending;
      if (other === undefined || "problem" in other) continue;
      const key = repositoryKey(other.ref);
      const items = other.diagnostics.items.map(
        (item): Diagnostic => ({
          ...item,
          repository: key,
          file: ownFiles.has(item.file) ? item.file : `${key}:${item.file}`,
        }),
      );
      diagnostics.items.push(...items);
      const errors = items.filter((item) => item.severity === "error").length;
      if (errors === 0) continue;
      for (const stack of stacks) {
        if (stack.source.kind !== "repo" || repositoryKey(stack.source) !== key) continue;
        markUnreadable(
          stack,
          `${other.source.label} has ${errors} error(s) in its files: nothing deploys from it until they are fixed`,
        );
      }
    }
  }

  private read(ref: RepositoryRef, source: RepoSource): OtherRepository {
    const composeCache = { analyses: new FileAnalyses(source, this.cache), checked: new Map() };
    return { ref, source, diagnostics: new Diagnostics(), composeCache };
  }

  /** Releases every repository opened (their git processes). */
  async close(): Promise<void> {
    const opened = await Promise.all(this.opened.values());
    await Promise.all(opened.map((other) => (other && !("problem" in other) ? other.source.close() : undefined)));
  }
}

/** The stack is not read at any commit: it keeps what it runs, and the plan says why. */
export function markUnreadable(stack: FleetStack, why: string): void {
  const { commit: _commit, ...source } = stack.source as ExternalSource;
  stack.source = { ...source, unreadable: why };
}

/** The source with its repository in its label: messages say which repository a file is missing from. */
function labelled(source: RepoSource, ref: RepositoryRef): RepoSource {
  return {
    label: `${redactUrl(ref.url)} (${ref.branch}) ${source.label}`,
    ...(source.commit ? { commit: source.commit } : {}),
    entry: (path) => source.entry(path),
    list: (path) => source.list(path),
    files: (path) => source.files(path),
    readText: (path) => source.readText(path),
    close: () => source.close(),
  };
}
