// Core's mirror of a sync's repository, against a real git repository served
// over smart HTTP: what a push webhook's check asks of the remote.
import { gitHttpServer, gitRepo, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RepoMirrors } from "../src/sync/repo-mirror.js";

describe("RepoMirrors", () => {
  const cleanups: Array<() => Promise<void>> = [];
  let repo: Awaited<ReturnType<typeof gitRepo>>;
  let http: Awaited<ReturnType<typeof gitHttpServer>>;
  let url: string;
  let mirrors: RepoMirrors;
  /** The ref advertisements the server has answered: one per git process that talked to it. */
  const advertisements = () => http.requests().filter((r) => r.startsWith("GET ") && r.includes("/info/refs")).length;

  beforeAll(async () => {
    repo = await gitRepo();
    http = await gitHttpServer();
    const dir = await tempDir("tug-mirrors-");
    cleanups.push(repo.cleanup, http.close, dir.cleanup);
    await repo.write("stacks.toml", '[[stack]]\nname = "a"\n');
    await repo.commitAndPush("first");
    url = await http.serve(repo.remote, "fleet");
    mirrors = new RepoMirrors({ dir: dir.path, trustedLocal: [] });
    cleanups.push(async () => mirrors.close());
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("fetches a pushed head in one exchange with the remote, and knows it holds it", async () => {
    const before = advertisements();
    const first = await repo.git(["rev-parse", "HEAD"]);
    expect(await mirrors.fetchHead(url, "main")).toBe(first);
    // The commit is in the mirror: a fetch of it asks nothing more of the remote.
    await mirrors.fetch(url, "main", first);
    expect(advertisements() - before).toBe(1);

    await repo.write("stacks.toml", '[[stack]]\nname = "b"\n');
    const second = await repo.commitAndPush("second");
    expect(await mirrors.fetchHead(url, "main")).toBe(second);
    expect(await mirrors.fetch(url, "main", second)).toBe(mirrors.path(url));
    expect(advertisements() - before).toBe(2);
    // What remoteHead then fetch cost for the same news: two exchanges.
    expect(await mirrors.remoteHead(url, "main")).toBe(second);
    expect(advertisements() - before).toBe(3);
  });

  it("says it cannot reach a branch the remote lacks, and keeps what it fetched", async () => {
    const head = await repo.git(["rev-parse", "HEAD"]);
    await expect(mirrors.fetchHead(url, "gone")).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:\d+\/fleet\.git/);
    expect(await mirrors.fetchHead(url, "main")).toBe(head);
  });
});
