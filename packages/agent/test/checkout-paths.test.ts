// What a deploy learns from the checkout's index: the run directory's
// committed symlinks and whether its env file is committed, asked of git
// once per commit. Real git worktree; git's trace2 events count the processes.
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type GitRepo, type GitTrace, gitRepo, traceGit } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedFacts, requireNoEscapingLinks } from "../src/safety/checkout-paths.js";

describe("committed facts of a checkout", () => {
  let repo: GitRepo;
  let trace: GitTrace;
  let commit: string;
  const cleanups: Array<() => Promise<void>> = [];
  const lsFiles = async () => (await trace.commands()).filter((command) => command === "ls-files").length;
  const at = (path: string) => join(repo.dir, path);

  beforeAll(async () => {
    repo = await gitRepo();
    cleanups.push(repo.cleanup);
    await repo.write("stacks/web/compose.yaml", "services: {}\n");
    await repo.write("stacks/web/.env", "A=1\n");
    await repo.write("shared.env", "B=2\n");
    await symlink("compose.yaml", at("stacks/web/inside-link"));
    await symlink("stacks/web/compose.yaml", at("elsewhere-link"));
    commit = await repo.commit("web");
    trace = await traceGit();
    cleanups.push(trace.stop);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("asks git once per commit, and answers a redeploy from what it kept", async () => {
    await writeFile(at("stacks/web/written.env"), "C=3\n");
    const asked = [at("stacks/web/.env"), at("stacks/web/written.env"), at("shared.env")];
    const facts = await committedFacts(repo.dir, commit, "stacks/web", asked);
    // Only the run directory's links; the files asked about wherever they are.
    expect(facts.links).toEqual(["stacks/web/inside-link"]);
    expect([...facts.files].sort()).toEqual(["shared.env", "stacks/web/.env"]);
    await requireNoEscapingLinks(repo.dir, facts);
    expect(await lsFiles()).toBe(1);
    expect(await committedFacts(repo.dir, commit, "stacks/web", asked)).toBe(facts);
    expect(await lsFiles()).toBe(1);
    // The whole checkout as the run directory.
    expect([...(await committedFacts(repo.dir, commit, "", [])).links].sort()).toEqual([
      "elsewhere-link",
      "stacks/web/inside-link",
    ]);
    expect(await lsFiles()).toBe(2);
  });

  it("still refuses a committed symlink out of the checkout", async () => {
    await symlink("/etc", at("stacks/web/host"));
    const next = await repo.commit("a link out");
    const facts = await committedFacts(repo.dir, next, "stacks/web", []);
    await expect(requireNoEscapingLinks(repo.dir, facts)).rejects.toThrow(/"stacks\/web\/host" leads out/);
    // A folder whose name git would read as pathspec magic (":(glob)x" matches only "x") is a folder.
    await repo.write(":(glob)x/compose.yaml", "services: {}\n");
    await symlink("/etc", at(":(glob)x/host"));
    const magic = await repo.commit("a folder named like magic");
    const named = await committedFacts(repo.dir, magic, ":(glob)x", []);
    expect(named.links).toEqual([":(glob)x/host"]);
    await expect(requireNoEscapingLinks(repo.dir, named)).rejects.toThrow(/leads out/);
  });
});
