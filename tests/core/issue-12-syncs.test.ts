// Issue 12, items 3, 7 and 12: syncs are isolated and their checks are
// robust. A declared sync cannot take over what another owns; it follows its
// own `managed` and `delete`; an apply cut off halfway is finished by the next
// one; its servers are configured again after a restart; a forced check is
// not lost when checks coalesce; and an unreachable remote fails the sync
// with an alert instead of killing core through a webhook.
import { createHmac } from "node:crypto";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import {
  freePort,
  type GitHttpServer,
  type GitRepo,
  gitHttpServer,
  gitRepo,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCore } from "./fixture.js";

const NOWHERE = "https://127.0.0.1:1";

describe("declared syncs, isolated and robust", () => {
  let data: TempDir;
  let root: GitRepo;
  let child: GitRepo;
  let forge: GitHttpServer;
  let childUrl: string;
  let deadUrl: string;
  let core: RunningCore;

  const rootToml = (childConfig: string) =>
    `[[server]]\nname = "solo"\n[server.config]\naddress = "${NOWHERE}"\nenabled = true\n\n[[repo]]\nname = "child-repo"\n[repo.config]\nurl = "${childUrl}"\n\n[[resource_sync]]\nname = "child"\n[resource_sync.config]\nlinked_repo = "child-repo"\nwebhook_secret = "child-hook"\n${childConfig}\n[[repo]]\nname = "dead-repo"\n[repo.config]\nurl = "${deadUrl}"\n\n[[resource_sync]]\nname = "dead"\n[resource_sync.config]\nlinked_repo = "dead-repo"\nwebhook_secret = "dead-hook"\n`;
  const check = (name: string) => core.context.engine.check(name, { trigger: "poll", actor: "poll" });
  const start = () => startTestCore({ dataDir: join(data.path, "core"), syncRepo: root.remote });

  beforeAll(async () => {
    data = await tempDir("tug-isolation-");
    forge = await gitHttpServer();
    child = await gitRepo();
    await child.write("syncs/child.toml", `[[server]]\nname = "childhost"\n[server.config]\naddress = "${NOWHERE}"\n`);
    await child.commitAndPush("child");
    childUrl = await forge.serve(child.remote, "child");
    deadUrl = `http://127.0.0.1:${await freePort()}/dead.git`;
    root = await gitRepo();
    await root.write("syncs/fleet.toml", rootToml("managed = false\n"));
    await root.commitAndPush("root");
    core = await start();
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", { what: "the root sync" });
  });

  afterAll(async () => {
    await core?.close();
    await forge?.close();
    await root?.cleanup();
    await child?.cleanup();
    await data?.cleanup();
  });

  it("holds a declared sync's plan when its declaration says managed = false", async () => {
    expect(await check("child")).toMatchObject({ status: "pending" });
    expect(await core.context.servers.get("childhost")).toBeUndefined();
  });

  it("refuses a declared sync that takes over the root sync or a server it does not own, at their lines", async () => {
    await root.write("syncs/fleet.toml", rootToml("managed = true\n"));
    await root.commitAndPush("child applies by itself");
    expect(await check("root")).toMatchObject({ status: "applied" });
    const rootBefore = await core.context.syncs.get("root");
    await child.write(
      "syncs/child.toml",
      `[[resource_sync]]\nname = "root"\n[resource_sync.config]\nrepo = "attacker/fleet"\n\n[[server]]\nname = "solo"\n[server.config]\naddress = "https://203.0.113.9:8120"\nenabled = true\n`,
    );
    await child.commitAndPush("take over");
    expect(await check("child")).toMatchObject({ status: "invalid" });
    const errors = (await core.context.syncs.get("child"))?.errors ?? [];
    expect(errors.map((e) => [e.code, e.file, e.line])).toEqual([
      ["E_OWNED_BY_OTHER_SYNC", "syncs/child.toml", 1],
      ["E_OWNED_BY_OTHER_SYNC", "syncs/child.toml", 6],
    ]);
    expect((await core.context.syncs.get("root"))?.repoUrl).toBe(rootBefore?.repoUrl);
    expect((await core.context.servers.get("solo"))?.address).toBe(NOWHERE);
  });

  it("finishes an apply that failed halfway: a server it no longer declares is removed", async () => {
    // The stack's own repository cannot be reached: the servers are recorded, the stack is held back, the sync fails.
    await child.write(
      "syncs/child.toml",
      `[[server]]\nname = "orphan"\n[server.config]\naddress = "${NOWHERE}"\nenabled = true\n\n[[stack]]\nname = "elsewhere"\n[stack.config]\nserver = "orphan"\nrepo = "owner/app"\ngit_provider = "127.0.0.1:1"\ngit_https = false\n`,
    );
    await child.commitAndPush("a stack in an unreachable repository");
    expect(await check("child")).toMatchObject({ status: "failed" });
    expect((await core.context.syncs.get("child"))?.lastError).toMatch(
      /^1 stack\(s\) held back: elsewhere \(cannot read http:\/\/127\.0\.0\.1:1\/owner\/app\.git#main: /,
    );
    expect(await core.context.servers.get("orphan")).toBeDefined();
    await child.write("syncs/child.toml", `[[server]]\nname = "kept"\n[server.config]\naddress = "${NOWHERE}"\n`);
    await child.commitAndPush("drop them");
    expect(await check("child")).toMatchObject({ status: "applied" });
    expect(await core.context.servers.get("orphan")).toBeUndefined();
    expect((await core.context.servers.get("kept"))?.sync).toBe("child");
  });

  it("does not lose a forced check that arrives while another runs", async () => {
    const before = (await core.context.log.store.list({ targetName: "child" })).length;
    const run = () => core.context.engine.check("child", { trigger: "user", actor: "admin" }, { force: true });
    await Promise.all([run(), run()]);
    await waitFor(
      async () =>
        (await core.context.log.store.list({ targetName: "child" })).length >= before + 2 ? true : undefined,
      { what: "both forced checks to run" },
    );
  });

  it("fails a sync whose remote is unreachable, alerts, and survives a webhook for it", async () => {
    expect(await check("dead")).toMatchObject({ status: "failed" });
    expect(await core.context.syncs.get("dead")).toMatchObject({
      status: "failed",
      lastError: expect.stringContaining("cannot reach"),
    });
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const res = await fetch(`${core.url}/webhooks/github/sync/dead`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "dead-hook").update(body).digest("hex")}`,
      },
      body,
    });
    expect(res.status).toBe(202);
    await waitFor(
      async () => {
        const open = await core.context.observability.alerts.list({ status: "open", type: "ResourceSyncFailed" });
        return open.some((a) => a.targetName === "dead") ? true : undefined;
      },
      { what: "the ResourceSyncFailed alert of the unreachable sync" },
    );
    expect((await fetch(`${core.url}/api/health`)).status).toBe(200);
  });

  it("configures the servers of every sync again after a restart", async () => {
    await core.close();
    core = await start();
    expect(await core.context.agents.client("kept")).toBeDefined();
    expect(await core.context.agents.client("solo")).toBeDefined();
  });
});
