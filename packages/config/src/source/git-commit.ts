// A commit of a Git repository (bare or not) as a RepoSource, read with one
// `git cat-file --batch`: the commit, its trees, then the files asked for.
// With an AnalysisCache, trees read before (by object id: a tree never
// changes) are not read again, so opening the commit after a push reads the
// few trees on the changed paths.
import type { AnalysisCache } from "../analysis/analysis-cache.js";
import { GitBatch } from "./git-batch.js";
import { normalizeRepoPath, type RepoEntry, type RepoSource } from "./repo-source.js";

export interface GitCommitSourceOptions {
  /** Path of the repository (a bare mirror or a working clone). */
  repository: string;
  /** A commit SHA, branch or any revision `git rev-parse` understands. */
  revision: string;
  /** Where trees read before are kept. */
  cache?: AnalysisCache;
}

interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

export class GitCommitSource implements RepoSource {
  readonly label: string;
  private readonly entries = new Map<string, RepoEntry>();
  private readonly children = new Map<string, string[]>();
  private symlinks = 0;

  private constructor(
    readonly commit: string,
    private readonly batch: GitBatch,
    private readonly cache: AnalysisCache | undefined,
  ) {
    this.label = `commit ${commit.slice(0, 7)}`;
  }

  static async open(options: GitCommitSourceOptions): Promise<GitCommitSource> {
    const batch = new GitBatch(options.repository);
    try {
      const commit = await batch.read(`${options.revision}^{commit}`).catch((error: Error) => {
        throw new Error(`revision ${JSON.stringify(options.revision)} is not a commit here (${error.message})`);
      });
      const root = /^tree ([0-9a-f]+)\n/.exec(commit.data.toString("latin1", 0, 80))?.[1];
      if (commit.type !== "commit" || root === undefined)
        throw new Error(`revision ${JSON.stringify(options.revision)} is not a commit here`);
      const source = new GitCommitSource(commit.oid, batch, options.cache);
      source.entries.set("", { type: "tree", oid: root });
      await source.walk("", root, commit.oid.length / 2);
      return source;
    } catch (error) {
      await batch.close();
      throw error;
    }
  }

  /** Lists a tree and, at once, every tree below it (their reads share the pipe, in order). */
  private async walk(folder: string, oid: string, hashBytes: number): Promise<void> {
    const names: string[] = [];
    this.children.set(folder, names);
    const below: Array<Promise<void>> = [];
    for (const { mode, name, oid: id } of await this.tree(oid, hashBytes)) {
      const path = folder === "" ? name : `${folder}/${name}`;
      if (mode === "40000") {
        this.entries.set(path, { type: "tree", oid: id });
        below.push(this.walk(path, id, hashBytes));
      } else if (mode === "160000") {
        continue; // a submodule holds no files here
      } else if (mode === "120000") {
        this.symlinks += 1;
        this.entries.set(path, { type: "blob", oid: id, symlink: true });
      } else {
        this.entries.set(path, { type: "blob", oid: id });
      }
      names.push(name);
    }
    await Promise.all(below);
  }

  private async tree(oid: string, hashBytes: number): Promise<readonly TreeEntry[]> {
    const read = async () => {
      const object = await this.batch.read(oid);
      if (object.type !== "tree") throw new Error(`git object ${oid} is a ${object.type}, not a tree`);
      return { value: parseTree(object.data, hashBytes), textBytes: object.data.length };
    };
    if (!this.cache) return (await read()).value;
    return (await this.cache.get({ kind: "tree", path: "", oid }, read)).value;
  }

  async entry(path: string): Promise<RepoEntry | undefined> {
    const normal = normalizeRepoPath(path);
    return normal === undefined ? undefined : this.entries.get(normal);
  }

  async list(path: string): Promise<string[] | undefined> {
    const normal = normalizeRepoPath(path);
    return normal === undefined ? undefined : this.children.get(normal);
  }

  async files(path: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const normal = normalizeRepoPath(path);
    const visit = (current: string) => {
      const entry = this.entries.get(current);
      if (entry?.type === "blob") found.set(current, entry.oid);
      for (const name of this.children.get(current) ?? []) visit(current === "" ? name : `${current}/${name}`);
    };
    if (normal !== undefined) visit(normal);
    return found;
  }

  hasSymlinks(): boolean {
    return this.symlinks > 0;
  }

  async readText(path: string): Promise<string> {
    const entry = await this.entry(path);
    if (entry?.type !== "blob") throw new Error(`${path} is not a file in ${this.label}`);
    return (await this.batch.read(entry.oid)).data.toString("utf8");
  }

  async close(): Promise<void> {
    await this.batch.close();
  }
}

/** A tree object's entries, in its order: `MODE NAME\0` then the object id's bytes, for each. */
function parseTree(data: Buffer, hashBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(32, at);
    const nul = data.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 1 + hashBytes > data.length) throw new Error("a git tree object is malformed");
    entries.push({
      mode: data.toString("latin1", at, space),
      name: data.toString("utf8", space + 1, nul),
      oid: data.toString("hex", nul + 1, nul + 1 + hashBytes),
    });
    at = nul + 1 + hashBytes;
  }
  return entries;
}
