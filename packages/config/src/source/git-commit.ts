// A commit of a Git repository (bare or not) as a RepoSource, read with
// plumbing: one `ls-tree` for the whole tree, one `cat-file --batch` for contents.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { git, spawnGit } from "@tugboat/git";
import { normalizeRepoPath, type RepoEntry, type RepoSource } from "./repo-source.js";

export interface GitCommitSourceOptions {
  /** Path of the repository (a bare mirror or a working clone). */
  repository: string;
  /** A commit SHA, branch or any revision `git rev-parse` understands. */
  revision: string;
}

export class GitCommitSource implements RepoSource {
  readonly label: string;
  readonly commit: string;
  private readonly repository: string;
  private readonly entries = new Map<string, RepoEntry>();
  private readonly children = new Map<string, string[]>();
  private batch: BatchReader | undefined;
  private symlinks = 0;

  private constructor(repository: string, commit: string) {
    this.repository = repository;
    this.commit = commit;
    this.label = `commit ${commit.slice(0, 7)}`;
  }

  static async open(options: GitCommitSourceOptions): Promise<GitCommitSource> {
    const inRepo = (args: string[]) =>
      git(["-C", options.repository, ...args], { maxBuffer: 1024 * 1024 * 1024, timeoutMs: 300_000 });
    // One process for both: the commit, and the tree it holds (`--` after it: a revision, never a path).
    const [commit = "", root = ""] = (
      await inRepo([
        "log",
        "-1",
        "--no-walk",
        "--no-show-signature",
        "--format=%H %T",
        "--end-of-options",
        `${options.revision}^{commit}`,
        "--",
      ])
    ).stdout
      .trim()
      .split(" ");
    const source = new GitCommitSource(options.repository, commit);
    source.entries.set("", { type: "tree", oid: root });
    source.children.set("", []);
    const listing = (await inRepo(["ls-tree", "-r", "-t", "-z", "--full-tree", "--end-of-options", commit])).stdout;
    for (const record of listing.split("\0")) {
      if (!record) continue;
      const tab = record.indexOf("\t");
      const [mode, type, oid] = record.slice(0, tab).split(" ");
      const path = record.slice(tab + 1);
      if (type !== "blob" && type !== "tree") continue; // submodules ("commit") hold no files here
      if (mode === "120000") source.symlinks += 1;
      source.entries.set(path, mode === "120000" ? { type, oid: oid ?? "", symlink: true } : { type, oid: oid ?? "" });
      if (type === "tree") source.children.set(path, []);
      const slash = path.lastIndexOf("/");
      source.children.get(slash < 0 ? "" : path.slice(0, slash))?.push(path.slice(slash + 1));
    }
    return source;
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
    this.batch ??= new BatchReader(this.repository);
    return (await this.batch.read(entry.oid)).toString("utf8");
  }

  async close(): Promise<void> {
    await this.batch?.close();
    this.batch = undefined;
  }
}

/** One long-lived `git cat-file --batch`, answering reads in order. */
class BatchReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<{ resolve: (data: Buffer) => void; reject: (error: Error) => void }> = [];
  private buffer = Buffer.alloc(0);

  constructor(repository: string) {
    this.child = spawnGit(["-C", repository, "cat-file", "--batch"]);
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    this.child.on("error", (error) => this.failAll(error));
    this.child.on("exit", () => this.failAll(new Error("git cat-file exited")));
  }

  read(oid: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${oid}\n`);
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once("exit", resolve));
  }

  private drain() {
    for (;;) {
      const newline = this.buffer.indexOf(10);
      if (newline < 0) return;
      const header = this.buffer.subarray(0, newline).toString("utf8");
      const waiter = this.waiting[0];
      if (!waiter) return;
      if (header.endsWith(" missing")) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.waiting.shift();
        waiter.reject(new Error(`git object ${header.split(" ")[0]} is missing`));
        continue;
      }
      const size = Number(header.split(" ")[2]);
      if (this.buffer.length < newline + 1 + size + 1) return;
      const data = this.buffer.subarray(newline + 1, newline + 1 + size);
      this.buffer = this.buffer.subarray(newline + 1 + size + 1);
      this.waiting.shift();
      waiter.resolve(Buffer.from(data));
    }
  }

  private failAll(error: Error) {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
