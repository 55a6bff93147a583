// A plain folder as a RepoSource. Files are hashed the way Git hashes them, so
// a working tree and the commit it came from give the same ids. In a Git work
// tree, ignored files are left out, as a commit would leave them out.
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { git } from "@tugboat/git";
import { blobId, type TreeEntry, treeId } from "./git-hash.js";
import { normalizeRepoPath, type RepoEntry, type RepoSource } from "./repo-source.js";

export class WorkingTreeSource implements RepoSource {
  readonly label: string;
  readonly commit = undefined;
  private readonly root: string;
  /** folder path → names inside it ("" is the root); files are the paths absent from this map. */
  private readonly folders = new Map<string, string[]>();
  private readonly fileSet = new Set<string>();
  private readonly oids = new Map<string, Promise<{ oid: string; mode: TreeEntry["mode"] }>>();

  private constructor(root: string) {
    this.root = root;
    this.label = `working tree ${root}`;
  }

  static async open(root: string): Promise<WorkingTreeSource> {
    const source = new WorkingTreeSource(root);
    source.folders.set("", []);
    for (const file of await listFiles(root)) source.addFile(file);
    return source;
  }

  private addFile(path: string) {
    this.fileSet.add(path);
    const parts = path.split("/");
    let parent = "";
    for (let i = 0; i < parts.length; i += 1) {
      const current = parts.slice(0, i + 1).join("/");
      const siblings = this.folders.get(parent);
      const name = parts[i] ?? "";
      if (i < parts.length - 1) {
        if (!this.folders.has(current)) {
          this.folders.set(current, []);
          siblings?.push(name);
        }
      } else siblings?.push(name);
      parent = current;
    }
  }

  async entry(path: string): Promise<RepoEntry | undefined> {
    const normal = normalizeRepoPath(path);
    if (normal === undefined) return undefined;
    if (this.fileSet.has(normal)) {
      const { oid, mode } = await this.hash(normal);
      return mode === "120000" ? { type: "blob", oid, symlink: true } : { type: "blob", oid };
    }
    if (this.folders.has(normal)) return { type: "tree", oid: (await this.hash(normal)).oid };
    return undefined;
  }

  async list(path: string): Promise<string[] | undefined> {
    const normal = normalizeRepoPath(path);
    return normal === undefined ? undefined : this.folders.get(normal);
  }

  async files(path: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const visit = async (current: string): Promise<void> => {
      if (this.fileSet.has(current)) found.set(current, (await this.hash(current)).oid);
      for (const name of this.folders.get(current) ?? []) await visit(current === "" ? name : `${current}/${name}`);
    };
    const normal = normalizeRepoPath(path);
    if (normal !== undefined) await visit(normal);
    return found;
  }

  readText(path: string): Promise<string> {
    return readFile(join(this.root, path), "utf8");
  }

  async close(): Promise<void> {}

  private hash(path: string): Promise<{ oid: string; mode: TreeEntry["mode"] }> {
    let pending = this.oids.get(path);
    if (!pending) {
      pending = this.folders.has(path) ? this.hashFolder(path) : this.hashFile(path);
      this.oids.set(path, pending);
    }
    return pending;
  }

  private async hashFile(path: string): Promise<{ oid: string; mode: TreeEntry["mode"] }> {
    const full = join(this.root, path);
    const stats = await lstat(full);
    if (stats.isSymbolicLink()) return { oid: blobId(Buffer.from(await readlink(full))), mode: "120000" };
    const mode = stats.mode & 0o111 ? "100755" : "100644";
    return { oid: blobId(await readFile(full)), mode };
  }

  private async hashFolder(path: string): Promise<{ oid: string; mode: TreeEntry["mode"] }> {
    const names = this.folders.get(path) ?? [];
    const entries = await Promise.all(
      names.map(async (name) => {
        const child = path === "" ? name : `${path}/${name}`;
        const { oid, mode } = await this.hash(child);
        return { name, oid, mode };
      }),
    );
    return { oid: treeId(entries), mode: "40000" };
  }
}

async function listFiles(root: string): Promise<string[]> {
  try {
    const { stdout } = await git(["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      maxBuffer: 256 * 1024 * 1024,
    });
    const files: string[] = [];
    for (const file of stdout.split("\0")) {
      // ls-files lists deleted-but-tracked files too; keep what exists.
      if (file && (await lstat(join(root, file)).catch(() => undefined))) files.push(file);
    }
    return files;
  } catch {
    return walk(root, "");
  }
}

async function walk(root: string, dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    if (entry.name === ".git") continue;
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await walk(root, path)));
    else found.push(path);
  }
  return found;
}
