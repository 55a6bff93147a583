// Issue 12, item 4: a credential goes only to a trusted certificate. A new
// [[server]] pointed at some listener gets no passkey, on first contact or
// ever, until its fingerprint is given in TOML or accepted by an admin; and a
// server removed from the repository gets nothing more.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import { type GitRepo, gitRepo, selfSignedCertificate, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, login, PASSKEY, startTestCore } from "./fixture.js";

describe("agent trust", () => {
  let data: TempDir;
  let repo: GitRepo;
  let core: RunningCore;
  let token: string;
  let listener: Server;
  let address: string;
  let fingerprint: string;
  const seen: Array<{ path: string; authorization: string | undefined }> = [];
  const api = apiClient(
    () => core.url,
    () => token,
  );
  const serversToml = (extra: string) =>
    `[[server]]\nname = "intruder"\n[server.config]\naddress = "${address}"\nenabled = true\n${extra}`;
  const sync = async () => core.context.engine.check("root", { trigger: "poll", actor: "poll" });

  beforeAll(async () => {
    data = await tempDir("tug-trust-");
    const tls = await selfSignedCertificate(data.path);
    fingerprint = tls.fingerprint;
    listener = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "ok", version: "0.1.0", fingerprint }));
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    address = `https://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    repo = await gitRepo();
    await repo.write("syncs/servers.toml", serversToml(""));
    await repo.write(
      "syncs/stacks.toml",
      `[[stack]]\nname = "probe"\n[stack.config]\nserver = "intruder"\nrun_directory = "stacks/probe"\n`,
    );
    await repo.write("stacks/probe/compose.yaml", "services:\n  app:\n    image: local/busybox:1\n");
    await repo.commitAndPush("a new server");
    core = await startTestCore({ dataDir: join(data.path, "core"), syncRepo: repo.remote });
    token = await login(core.url);
    await sync();
  });

  afterAll(async () => {
    await core?.close();
    listener?.closeAllConnections();
    await new Promise<void>((resolve) => listener?.close(() => resolve()));
    await repo?.cleanup();
    await data?.cleanup();
  });

  it("sends no credential on first contact, and records the fingerprint for an admin", async () => {
    await core.pollStatus();
    const deploy = (await core.context.log.store.list({ targetName: "probe" }))[0];
    expect(deploy?.result).toMatchObject({ error: { code: "E_AGENT_UNTRUSTED" } });
    expect(seen.map((s) => s.path)).toEqual(["/health"]);
    expect(seen.every((s) => s.authorization === undefined)).toBe(true);
    expect(await core.context.servers.get("intruder")).toMatchObject({
      fingerprint: null,
      pendingFingerprint: fingerprint,
    });
  });

  it("sends none to a certificate other than the one the TOML gives", async () => {
    await repo.write("syncs/servers.toml", serversToml(`fingerprint = "${"AB:".repeat(31)}AB"\n`));
    await repo.commitAndPush("a fingerprint that does not match");
    await sync();
    await core.pollStatus();
    expect(seen.every((s) => s.authorization === undefined)).toBe(true);
  });

  it("sends nothing at all once the server is gone from the repository", async () => {
    await repo.write("syncs/servers.toml", "");
    await repo.write("syncs/stacks.toml", "");
    await repo.commitAndPush("revert");
    await sync();
    const before = seen.length;
    await core.pollStatus();
    await api("POST", "/api/stacks/probe/deploy");
    expect(seen.length).toBe(before);
  });

  it("sends the passkey once an admin accepts the fingerprint that was checked", async () => {
    await repo.write("syncs/servers.toml", serversToml(""));
    await repo.commitAndPush("the server again");
    await sync();
    const accepted = await api("POST", "/api/servers/intruder/accept-certificate", { fingerprint });
    expect(accepted.status).toBe(200);
    await core.pollStatus();
    expect(seen.some((s) => s.authorization === `Bearer ${PASSKEY}`)).toBe(true);
  });
});
