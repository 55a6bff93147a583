// The agent's checkouts, against a real repository served over smart HTTP:
// the commit core names is what the stack's folder holds, and the remote is
// asked only when the agent's mirror lacks that commit.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type GitHttpServer,
  type GitRepo,
  type GitTrace,
  gitHttpServer,
  gitRepo,
  tempDir,
  traceGit,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Repositories } from "../src/repos/repositories.js";

describe("Repositories", () => {
  const cleanups: Array<() => Promise<void>> = [];
  let repo: GitRepo;
  let http: GitHttpServer;
  let url: string;
  let repos: Repositories;
  let first: string;
  /** Ref advertisements answered: one per git process that talked to the remote. */
  const contacts = () => http.requests().filter((r) => r.startsWith("GET ") && r.includes("/info/refs")).length;
  const compose = (stack: string) => readFile(join(repos.worktreePath(stack), "compose.yaml"), "utf8");
  let trace: GitTrace;
  const processes = () => trace.commands();

  beforeAll(async () => {
    repo = await gitRepo();
    http = await gitHttpServer();
    const root = await tempDir("tug-agent-repos-");
    cleanups.push(repo.cleanup, http.close, root.cleanup);
    await repo.write("compose.yaml", "services: {a: {image: one}}\n");
    first = await repo.commitAndPush("first");
    url = await http.serve(repo.remote, "fleet");
    repos = new Repositories(root.path);
    // Every git the agent starts inherits the trace setting (the agent's own environment).
    trace = await traceGit();
    cleanups.push(trace.stop);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("checks out a new commit with one fetch, and a commit it holds without the remote", async () => {
    await repos.checkout({ stack: "web", url, commit: first });
    expect(await compose("web")).toContain("one");

    await repo.write("compose.yaml", "services: {a: {image: two}}\n");
    const second = await repo.commitAndPush("second");
    let before = contacts();
    let started = (await processes()).length;
    const lines: string[] = [];
    await repos.checkout({ stack: "web", url, commit: second, onLine: (l) => lines.push(l) });
    expect(await compose("web")).toContain("two");
    expect(contacts() - before).toBe(1);
    expect(lines).toEqual([`fetching ${url}`]);
    // The checkout that finds the commit missing, the fetch, the checkout: nothing asked twice.
    expect((await processes()).slice(started)).toEqual(["checkout", "fetch", "checkout"]);

    // A redeploy puts back what was edited on the host; a rollback needs nothing new.
    await writeFile(join(repos.worktreePath("web"), "compose.yaml"), "edited on the host\n");
    before = contacts();
    started = (await processes()).length;
    await repos.checkout({ stack: "web", url, commit: second });
    expect(await compose("web")).toContain("two");
    await repos.checkout({ stack: "web", url, commit: first });
    expect(await compose("web")).toContain("one");
    expect(contacts() - before).toBe(0);
    expect((await processes()).slice(started)).toEqual(["checkout", "checkout"]);
  });

  it("asks for a commit no branch reaches by name, and refuses one the remote lacks", async () => {
    await repo.git(["checkout", "--quiet", "-b", "side"]);
    await repo.write("compose.yaml", "services: {a: {image: three}}\n");
    const side = await repo.commit("on a tag only");
    await repo.git(["push", "--quiet", "origin", `${side}:refs/tags/side`]);
    await repo.git(["checkout", "--quiet", "main"]);
    await repos.checkout({ stack: "web", url, commit: side });
    expect(await compose("web")).toContain("three");

    const missing = "0123456789abcdef0123456789abcdef01234567";
    await expect(repos.checkout({ stack: "web", url, commit: missing })).rejects.toThrow(
      `commit ${missing} is not in ${url}`,
    );
    expect(await compose("web")).toContain("three");
    // A stack checked out for the first time from a mirror that already holds the commit.
    await repos.checkout({ stack: "api", url, commit: first });
    expect(await compose("api")).toContain("one");
  });
});
