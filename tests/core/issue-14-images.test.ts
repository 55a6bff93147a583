// Issue 14, end to end on a private dockerd with a real agent, core and
// registry (Debian's docker-registry, distribution 2.8): a new digest pushed to
// a tag is found in one round; a poll_for_updates stack alerts once and keeps
// what it runs; an auto_update stack recreates the changed service only, runs
// the new digest, and the next round does nothing; a new digest that fails its
// healthcheck ends with the old image running and one StackRolledBack; a
// multi-platform tag counts only for this host's platform; version-like tags
// get their newer versions, with the line to edit.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  docker,
  type PushedImage,
  sharedDaemons,
  startRegistry,
  type TestRegistry,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SoloFleet, soloStackToml, startSoloFleet } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const project = (name: string) => `${name}-${suffix}`;

const service = (name: string, image: string) => `  ${name}:
    image: ${image}
    init: true
    command: ["sleep", "2147483647"]
    restart: unless-stopped
`;
const compose = (...services: string[]) => `services:\n${services.join("")}`;
const stackToml = (name: string, settings: string) => soloStackToml(name, project(name), settings);

interface Row {
  service: string;
  status: string;
  runningDigest: string | null;
  latestDigest: string | null;
  failedDigest: string | null;
  note: string | null;
  versions: { patch: string[]; minor: string[]; major: string[] } | null;
  edit: { file: string; line?: number; image: string } | null;
}

describe.skipIf(daemons.skipReason !== "")("image updates across the fleet", () => {
  let host: string;
  let registry: TestRegistry;
  let fleet: SoloFleet;
  let core: RunningCore;
  const pushed: Record<string, PushedImage> = {};
  const image = (repository: string, tag = "1") => `${registry.host}/team/${repository}:${tag}`;

  /** One full round, and the updates it started, to their end. */
  const round = async () => {
    const { round: done, updatesDone } = await core.context.images.watch.check({
      trigger: { trigger: "poll", actor: "image-check" },
    });
    await updatesDone;
    return done;
  };
  const rows = async (stack: string) =>
    (await fleet.api<{ images: Row[] }>("GET", `/api/stacks/${stack}/images`)).body.images;
  const row = async (stack: string, name: string) => (await rows(stack)).find((r) => r.service === name);
  const containerOf = async (stack: string, name: string) =>
    (
      await docker(host, [
        "ps",
        "-q",
        "--filter",
        `label=com.docker.compose.project=${project(stack)}`,
        "--filter",
        `label=com.docker.compose.service=${name}`,
      ])
    ).stdout.trim();
  /** The registry digests of the image a container runs. */
  const digestsOf = async (container: string) => {
    const imageId = (await docker(host, ["inspect", "-f", "{{.Image}}", container])).stdout.trim();
    return (await docker(host, ["image", "inspect", "-f", "{{json .RepoDigests}}", imageId])).stdout;
  };
  const alerts = async (type: string, target: string, status?: "open") =>
    core.context.observability.alerts.list({ type, target, ...(status ? { status } : {}) });
  /** Requests the registry served during `work`. */
  const requestsDuring = async (work: () => Promise<unknown>) => {
    const before = registry.requests().length;
    await work();
    await registry.quiet();
    return registry.requests().slice(before);
  };
  const manifestRequests = (requests: Array<{ method: string; path: string }>) =>
    requests
      .filter((r) => r.path.includes("/manifests/"))
      .map((r) => `${r.method} ${r.path.replace(/^\/v2\/team\//, "")}`);

  beforeAll(async () => {
    host = daemonHost(daemons, 1);
    registry = await startRegistry();
    pushed.watched = await registry.push("team/watched", "1", { labels: { v: "1" } });
    pushed.web = await registry.push("team/auto-web", "1", { labels: { v: "1" } });
    pushed.db = await registry.push("team/auto-db", "1", { labels: { v: "1" } });
    pushed.gated = await registry.push("team/gated", "1", { labels: { v: "1" } });
    pushed.multi = await registry.push("team/multi", "1", { platforms: ["linux/amd64", "linux/arm64/v8"] });
    for (const tag of ["1.2.3", "1.2.4", "1.3.0", "2.0.0-rc1", "2.0.0", "1.2.3-alpine", "1.2.4-alpine"])
      await registry.push("team/versioned", tag, { labels: { tag } });
    fleet = await startSoloFleet({
      dockerHost: host,
      projects: ["watched", "auto", "gated", "multi", "versioned"].map(project),
      files: {
        "syncs/stacks.toml":
          stackToml("watched", "poll_for_updates = true") +
          stackToml("auto", "auto_update = true") +
          stackToml("gated", "auto_update = true") +
          stackToml("multi", "poll_for_updates = true") +
          stackToml("versioned", "poll_for_updates = true"),
        "stacks/watched/compose.yaml": compose(
          service("app", image("watched")),
          service("sidecar", "local/busybox:1"),
          service("pinned", `${image("watched")}@${pushed.watched.digest}`),
        ),
        "stacks/auto/compose.yaml": compose(service("web", image("auto-web")), service("db", image("auto-db"))),
        "stacks/gated/compose.yaml": compose(service("app", image("gated"))),
        "stacks/multi/compose.yaml": compose(service("app", image("multi"))),
        "stacks/versioned/compose.yaml": compose(
          service("app", image("versioned", "1.2.3")),
          service("alpine", image("versioned", "1.2.3-alpine")),
        ),
      },
    });
    core = fleet.core;
  });

  afterAll(async () => {
    await fleet?.close();
    await registry?.stop();
  });

  it("checks each tag once per round, with HEAD requests only, and says why it skips the others", async () => {
    const requests = await requestsDuring(round);
    expect(manifestRequests(requests).sort()).toEqual([
      "HEAD auto-db/manifests/1",
      "HEAD auto-web/manifests/1",
      "HEAD gated/manifests/1",
      "HEAD multi/manifests/1",
      "HEAD versioned/manifests/1.2.3",
      "HEAD versioned/manifests/1.2.3-alpine",
      "HEAD watched/manifests/1",
    ]);
    expect((await rows("watched")).map((r) => [r.service, r.status, r.note])).toEqual([
      ["app", "up-to-date", null],
      ["pinned", "pinned", "pinned by digest: it never changes, not checked"],
      ["sidecar", "local", "built or loaded on the host (no registry digest): not checked"],
    ]);
    expect((await row("multi", "app"))?.status).toBe("up-to-date");
  });

  it("finds a new digest in one round; a poll_for_updates stack alerts once and keeps what it runs", async () => {
    const before = await containerOf("watched", "app");
    const next = await registry.push("team/watched", "1", { labels: { v: "2" } });
    const first = await round();
    expect(first.updates).toEqual([]);
    expect(await row("watched", "app")).toMatchObject({
      status: "update-available",
      runningDigest: pushed.watched?.digest,
      latestDigest: next.digest,
    });
    // The digest-pinned service of the same repository is still what it was.
    expect((await row("watched", "pinned"))?.status).toBe("pinned");
    await round();
    const opened = await alerts("ImageUpdateAvailable", "watched");
    expect(opened.map((a) => a.status)).toEqual(["open"]);
    expect(opened[0]?.message).toContain("newer image for app");
    expect(await containerOf("watched", "app")).toBe(before);
    const metrics = await (
      await fetch(`${core.url}/metrics`, { headers: { authorization: `Bearer ${fleet.token}` } })
    ).text();
    expect(metrics).toMatch(/tug_stack_image_update_available\{stack="watched",server="solo"\} 1/);
    expect(metrics).toMatch(/tug_stacks_with_image_updates \d+/);
  });

  it("auto_update recreates only the changed service, runs the new digest, and the next round does nothing", async () => {
    const db = await containerOf("auto", "db");
    const next = await registry.push("team/auto-web", "1", { labels: { v: "2" } });
    const updated = await round();
    expect(updated.updates.map((u) => [u.stack, u.services])).toEqual([["auto", ["web"]]]);
    const record = (await core.context.log.store.list({ targetName: "auto" })).find(
      (u) => u.operation === "update-images",
    );
    expect([record?.status, record?.trigger]).toEqual(["success", "poll"]);
    expect(record?.reasons.join("\n")).toContain(`web: ${image("auto-web")}`);
    expect(await digestsOf(await containerOf("auto", "web"))).toContain(next.digest);
    expect(await containerOf("auto", "db")).toBe(db);
    const again = await round();
    expect(again.updates).toEqual([]);
    expect((await rows("auto")).map((r) => [r.service, r.status])).toEqual([
      ["db", "up-to-date"],
      ["web", "up-to-date"],
    ]);
    expect(await alerts("ImageUpdateAvailable", "auto", "open")).toEqual([]);
    // What the update left is the drift baseline: a status round finds nothing to heal.
    await core.pollStatus();
    expect((await core.context.stacks.get("auto"))?.drift).toBeNull();
  });

  it("rolls back a new digest that fails its healthcheck, alerts once, and waits for the next digest", async () => {
    const old = (await docker(host, ["inspect", "-f", "{{.Image}}", await containerOf("gated", "app")])).stdout.trim();
    const broken = await registry.push("team/gated", "1", {
      labels: { v: "2" },
      healthcheck: { Test: ["CMD", "false"], Interval: 1_000_000_000, Timeout: 1_000_000_000, Retries: 1 },
    });
    const failed = await round();
    expect(failed.updates.map((u) => u.stack)).toEqual(["gated"]);
    const record = (await core.context.log.store.list({ targetName: "gated" })).find(
      (u) => u.operation === "update-images",
    );
    expect(record?.status).toBe("failed");
    expect((record?.result as { error?: { code?: string } } | undefined)?.error?.code).toBe("E_ROLLED_BACK");
    const now = await containerOf("gated", "app");
    expect((await docker(host, ["inspect", "-f", "{{.Image}}", now])).stdout.trim()).toBe(old);
    expect((await docker(host, ["inspect", "-f", "{{.State.Status}}", now])).stdout.trim()).toBe("running");
    expect(await row("gated", "app")).toMatchObject({ status: "update-available", failedDigest: broken.digest });
    const quiet = await round();
    expect(quiet.updates).toEqual([]);
    expect((await alerts("StackRolledBack", "gated")).map((a) => a.status)).toEqual(["open"]);
    expect(await alerts("StackDeployFailed", "gated")).toEqual([]);
    expect(await alerts("ImageUpdateAvailable", "gated")).toEqual([]);
    // The next digest is tried, and once it runs, the rollback alert resolves.
    const fixed = await registry.push("team/gated", "1", { labels: { v: "3" } });
    const retried = await round();
    expect(retried.updates.map((u) => u.stack)).toEqual(["gated"]);
    expect(await digestsOf(await containerOf("gated", "app"))).toContain(fixed.digest);
    expect((await alerts("StackRolledBack", "gated")).map((a) => a.status)).toEqual(["resolved"]);
  });

  it("compares a multi-platform tag by this host's platform entry", async () => {
    // Only the arm64 entry moves: this amd64 host runs the newest content still.
    const armOnly = await registry.push("team/multi", "1", {
      platforms: ["linux/amd64", "linux/arm64/v8"],
      platformLabels: { "linux/arm64/v8": { v: "2" } },
    });
    expect(armOnly.platforms["linux/amd64"]).toBe(pushed.multi?.platforms["linux/amd64"]);
    const requests = await requestsDuring(round);
    expect((await row("multi", "app"))?.status).toBe("up-to-date");
    // The index moved away from what the host runs: it and the host's older index are read, once.
    expect(
      manifestRequests(requests)
        .filter((r) => r.includes("multi/"))
        .sort(),
    ).toEqual(
      [
        `GET multi/manifests/${armOnly.digest}`,
        `GET multi/manifests/${pushed.multi?.digest}`,
        "HEAD multi/manifests/1",
      ].sort(),
    );
    expect(manifestRequests(await requestsDuring(round)).filter((r) => r.includes("multi/"))).toEqual([
      "HEAD multi/manifests/1",
    ]);
    const amd = await registry.push("team/multi", "1", {
      platforms: ["linux/amd64", "linux/arm64/v8"],
      labels: { v: "3" },
    });
    await round();
    expect(await row("multi", "app")).toMatchObject({ status: "update-available", latestDigest: amd.digest });
  });

  it("lists newer versions of version-like tags, grouped, with the line to edit, in one notice", async () => {
    await round();
    const versioned = await rows("versioned");
    expect(versioned.map((r) => [r.service, r.versions])).toEqual([
      ["alpine", { patch: ["1.2.4-alpine"], minor: [], major: [] }],
      ["app", { patch: ["1.2.4"], minor: ["1.3.0"], major: ["2.0.0"] }],
    ]);
    expect(versioned.find((r) => r.service === "app")?.edit).toEqual({
      file: "stacks/versioned/compose.yaml",
      line: 3,
      image: image("versioned", "1.2.3"),
    });
    const notices = await alerts("ImageVersionsAvailable", "images", "open");
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toContain(
      `versioned/app: ${image("versioned", "1.2.3")}: patch 1.2.4; minor 1.3.0; major 2.0.0 — edit stacks/versioned/compose.yaml:3: image: ${image("versioned", "1.2.3")} → ${image("versioned", "1.2.4")}`,
    );
    // The same list is not sent again.
    await round();
    expect(await alerts("ImageVersionsAvailable", "images")).toHaveLength(1);
  });

  it("forgets a stack that no longer polls, and resolves its alert", async () => {
    expect(await alerts("ImageUpdateAvailable", "watched", "open")).toHaveLength(1);
    const file = join(fleet.repo.dir, "syncs/stacks.toml");
    const toml = await readFile(file, "utf8");
    await fleet.repo.write(
      "syncs/stacks.toml",
      toml.replace(stackToml("watched", "poll_for_updates = true"), stackToml("watched", "")),
    );
    await fleet.repo.commitAndPush("watched no longer polls");
    const run = await fleet.api<{ status: string }>("POST", "/api/syncs/root/run");
    expect(run.body.status).toBe("applied");
    const done = await round();
    expect(done.stacks).toBe(4);
    expect(await rows("watched")).toEqual([]);
    expect((await alerts("ImageUpdateAvailable", "watched")).map((a) => a.status)).toEqual(["resolved"]);
  });
});
