// Real Git repositories for tests: a working clone and a bare "remote" to push to.
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { run } from "./exec.js";
import { tempDir } from "./temp-dir.js";

const GIT_IDENTITY = [
  "-c",
  "user.name=Tugboat Tests",
  "-c",
  "user.email=tests@tugboat.invalid",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
];

export interface GitRepo {
  /** The working clone. */
  dir: string;
  /** The bare remote: a local path usable as a Git URL. */
  remote: string;
  branch: string;
  git(args: readonly string[]): Promise<string>;
  write(path: string, content: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Copies a folder's content into the working clone. */
  copyIn(source: string, target?: string): Promise<void>;
  /** Stages everything and commits; returns the commit SHA. */
  commit(message: string): Promise<string>;
  push(): Promise<void>;
  commitAndPush(message: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function gitRepo(options: { branch?: string } = {}): Promise<GitRepo> {
  const branch = options.branch ?? "main";
  const temp = await tempDir("tug-git-");
  const dir = join(temp.path, "work");
  const remote = join(temp.path, "remote.git");
  const git = async (args: readonly string[], cwd = dir) =>
    (await run(["git", ...GIT_IDENTITY, ...args], { cwd })).stdout.trim();
  await mkdir(dir);
  await git(["init", "--bare", "--quiet", remote], temp.path);
  await git(["init", "--quiet", `--initial-branch=${branch}`]);
  await git(["remote", "add", "origin", remote]);
  const repo: GitRepo = {
    dir,
    remote,
    branch,
    git: (args) => git(args),
    async write(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    },
    async remove(path) {
      await rm(join(dir, path), { recursive: true, force: true });
    },
    async copyIn(source, target = ".") {
      await cp(source, join(dir, target), { recursive: true });
    },
    async commit(message) {
      await git(["add", "--all"]);
      await git(["commit", "--quiet", "--allow-empty", "-m", message]);
      return git(["rev-parse", "HEAD"]);
    },
    async push() {
      await git(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
    },
    async commitAndPush(message) {
      const sha = await repo.commit(message);
      await repo.push();
      return sha;
    },
    cleanup: temp.cleanup,
  };
  return repo;
}
