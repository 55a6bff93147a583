// Issue 14 against registries that say no: one behind htpasswd basic auth
// (core checks it once an admin gives it credentials, which no reply shows;
// a host that cannot pull gets one failed update, never a loop), and one
// behind a stub that answers 429 (waited out, and a long Retry-After holds
// every request to that registry).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  docker,
  type RegistryProxy,
  registryProxy,
  sharedDaemons,
  startRegistry,
  type TempDir,
  type TestRegistry,
  tempDir,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type SoloFleet, soloStackToml, startSoloFleet, tugCli } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const project = (name: string) => `${name}-${suffix}`;
const CREDENTIALS = { username: "deploy-bot", password: "registry-pass-4f1c9e" };

const compose = (image: string) => `services:
  app:
    image: ${image}
    init: true
    command: ["sleep", "2147483647"]
`;
const stackToml = (name: string, settings: string) => soloStackToml(name, project(name), settings);

interface Row {
  service: string;
  status: string;
  failedDigest: string | null;
  note: string | null;
}

describe.skipIf(daemons.skipReason !== "")("image checks against registries that say no", () => {
  let host: string;
  let secure: TestRegistry;
  let open: TestRegistry;
  let proxy: RegistryProxy;
  let fleet: SoloFleet;
  let core: RunningCore;
  let cliConfig: TempDir;
  let tug: ReturnType<typeof tugCli>;
  const privateImage = () => `${secure.host}/team/private:1`;

  const round = async (stacks?: string[]) => {
    const { round: done, updatesDone } = await core.context.images.watch.check({
      ...(stacks ? { stacks } : {}),
      trigger: { trigger: "poll", actor: "image-check" },
    });
    await updatesDone;
    return done;
  };
  const row = async (stack: string) =>
    (await fleet.api<{ images: Row[] }>("GET", `/api/stacks/${stack}/images`)).body.images[0];
  const imageUpdates = async (stack: string) =>
    (await core.context.log.store.list({ targetName: stack })).filter((u) => u.operation === "update-images");

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    secure = await startRegistry({ auth: CREDENTIALS });
    open = await startRegistry();
    proxy = await registryProxy(open.url);
    await secure.push("team/private", "1", { labels: { v: "1" } });
    await open.push("team/throttled", "1", { labels: { v: "1" } });
    // The host pulls the private image once with a login of its own, kept out of the agent's Docker config.
    const login = await tempDir("tug-docker-login-");
    try {
      const config = ["--config", login.path];
      await docker(host, [...config, "login", "-u", CREDENTIALS.username, "--password-stdin", secure.host], {
        input: CREDENTIALS.password,
      });
      await docker(host, [...config, "pull", privateImage()]);
    } finally {
      await login.cleanup();
    }
    fleet = await startSoloFleet({
      dockerHost: host,
      projects: ["private", "throttled"].map(project),
      files: {
        "syncs/stacks.toml":
          stackToml("private", "auto_update = true") + stackToml("throttled", "poll_for_updates = true"),
        "stacks/private/compose.yaml": compose(privateImage()),
        "stacks/throttled/compose.yaml": compose(`${proxy.host}/team/throttled:1`),
      },
    });
    core = fleet.core;
    cliConfig = await tempDir("tug-images-cli-");
    tug = tugCli(cliConfig.path);
    const login2 = await tug(
      ["login", "--core", core.url, "--username", ADMIN.username, "--password-stdin"],
      `${ADMIN.password}\n`,
    );
    expect(login2.exitCode, login2.stderr).toBe(0);
  });

  afterAll(async () => {
    await fleet?.close();
    await cliConfig?.cleanup();
    await proxy?.close();
    await secure?.stop();
    await open?.stop();
  });

  it("says a registry needs credentials, checks it once core holds them, and never shows them", async () => {
    await round(["private"]);
    expect(await row("private")).toMatchObject({
      status: "error",
      note: `${secure.host} needs credentials: set them with tug registry login ${secure.host}`,
    });
    const login = await tug(
      ["registry", "login", secure.host, "--username", CREDENTIALS.username, "--password-stdin"],
      `${CREDENTIALS.password}\n`,
    );
    expect(login.exitCode, login.stderr).toBe(0);
    const listed = await tug(["registry", "ls"]);
    expect(listed.stdout).toMatch(new RegExp(`^${secure.host.replace(/\./g, "\\.")}\\s+deploy-bot\\s`, "m"));
    const checked = await tug(["images", "--check"]);
    expect(checked.stdout, checked.stderr).toContain("checked 2 stack(s), 2 image(s): 0 stack(s) with a newer image");
    expect((await row("private"))?.status).toBe("up-to-date");
    const shown = await tug(["images", "private"]);
    expect(shown.stdout).toMatch(/^private\s+app\s+\S+private:1\s+up-to-date\s/m);

    const replies = await Promise.all(
      ["/api/registries", "/api/images", "/api/stacks/private/images", "/api/updates", "/api/alerts"].map(
        async (path) => JSON.stringify((await fleet.api("GET", path)).body),
      ),
    );
    for (const reply of replies) expect(reply).not.toContain(CREDENTIALS.password);
    for (const file of ["tugboat.db", "tugboat.db-wal"]) {
      const stored = await readFile(join(core.context.config.data_dir, file)).catch(() => Buffer.alloc(0));
      expect(stored.includes(CREDENTIALS.password), file).toBe(false);
    }
  });

  it("records an update the host cannot pull once, and does not try that digest again", async () => {
    const next = await secure.push("team/private", "1", { labels: { v: "2" } });
    const first = await round(["private"]);
    expect(first.updates.map((u) => u.stack)).toEqual(["private"]);
    const [failed] = await imageUpdates("private");
    expect(failed?.status).toBe("failed");
    const error = (failed?.result as { error?: { code?: string; message?: string } } | undefined)?.error;
    expect(error?.code).toBe("E_IMAGE_NOT_UPDATED");
    expect(error?.message).toContain("app still runs");
    expect(await row("private")).toMatchObject({ status: "update-available", failedDigest: next.digest });
    const again = await round(["private"]);
    expect(again.updates).toEqual([]);
    expect(await imageUpdates("private")).toHaveLength(1);
    const alerts = await core.context.observability.alerts.list({ target: "private" });
    expect(alerts.map((a) => [a.type, a.severity, a.status])).toEqual([["StackDeployFailed", "warning", "open"]]);

    // A person may still ask: "update now" tries again, whatever failed before.
    const manual = await tug(["images", "update", "private", "--follow"]);
    expect(manual.exitCode).toBe(1);
    const records = await imageUpdates("private");
    expect(records.map((u) => [u.trigger, u.status])).toEqual([
      ["user", "failed"],
      ["poll", "failed"],
    ]);
  });

  it("waits out a 429, and holds every request to a registry whose Retry-After is long", async () => {
    const heads = () => proxy.requests.filter((r) => r.method === "HEAD" && r.path.includes("/manifests/"));
    const before = heads().length;
    proxy.throttle(2, 1);
    const checked = await fleet.api("POST", "/api/stacks/throttled/images/check");
    expect(checked.status).toBe(200);
    expect((await row("throttled"))?.status).toBe("up-to-date");
    const seen = heads().slice(before);
    expect(seen.map((r) => r.status)).toEqual([429, 429, 200]);
    expect((seen[2]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_900);

    proxy.throttle(1, 120);
    const started = Date.now();
    await round(["throttled"]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await row("throttled")).toMatchObject({ status: "error", note: "rate limited (429), retry after 120 s" });
    const held = proxy.requests.length;
    await round(["throttled"]);
    expect(proxy.requests.length).toBe(held);
    expect((await row("throttled"))?.note).toMatch(/^rate limited \(429\), retry after 1[12]\d s$/);
  });
});
