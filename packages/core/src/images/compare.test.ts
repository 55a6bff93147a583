import { describe, expect, it } from "vitest";
import { containerStatus } from "../monitor/container.fixture.js";
import {
  judgeImage,
  matchPlatform,
  type RegistryFinding,
  type RunningImage,
  runningImages,
  runsLatest,
  servicesToUpdate,
} from "./compare.js";
import type { ImageCheckRow } from "./image-store.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const running = (digests: string[], platform = "linux/amd64", image = "reg.io/app:1"): RunningImage => ({
  service: "web",
  image,
  imageId: d("f"),
  digests,
  platform,
});
const none = () => undefined;

describe("what a container runs", () => {
  it("keeps the digests of the reference's own repository only, one entry per service", () => {
    const images = runningImages([
      containerStatus({
        service: "web",
        image: "reg.io/app:1",
        imageId: d("f"),
        repoDigests: [`reg.io/app@${d("a")}`, `other.io/app@${d("b")}`, `reg.io/app@${d("c")}`],
      }),
      containerStatus({ service: "web", image: "reg.io/app:1", repoDigests: [] }),
      containerStatus({ service: "hub", image: "nginx:1.27", repoDigests: [`nginx@${d("e")}`] }),
      containerStatus({ service: "skipped", skip: true }),
    ]);
    expect(images.map((i) => [i.service, i.digests])).toEqual([
      ["web", [d("a"), d("c")]],
      ["hub", [d("e")]],
    ]);
  });
});

describe("does the container run the tag's current digest", () => {
  it("compares a single-platform manifest by digest", () => {
    expect(runsLatest(running([d("a")]), { digest: d("a"), index: false }, none)).toBe(true);
    expect(runsLatest(running([d("a")]), { digest: d("b"), index: false }, none)).toBe(false);
  });

  it("compares an index by the host's platform entry", () => {
    const index = { digest: d("1"), index: true, platforms: { "linux/amd64": d("a"), "linux/arm64/v8": d("b") } };
    // The host pulled the platform manifest directly, or an older index with the same amd64 entry.
    expect(runsLatest(running([d("a")]), index, none)).toBe(true);
    const older = { "linux/amd64": d("a"), "linux/arm64/v8": d("c") };
    const indexOf = (x: string) => (x === d("0") ? older : undefined);
    expect(runsLatest(running([d("0")]), index, indexOf)).toBe(true);
    // An arm64 Pi running the older index: its entry changed.
    expect(runsLatest(running([d("0")], "linux/arm64/v8"), index, indexOf)).toBe(false);
    expect(matchPlatform(index.platforms, "linux/arm64")).toBe(d("b"));
    expect(matchPlatform(index.platforms, "linux/riscv64")).toBeUndefined();
  });
});

describe("one service's verdict", () => {
  const judge = (
    image: RunningImage,
    finding: RegistryFinding | { error: string } | undefined,
    previous?: ImageCheckRow,
  ) =>
    judgeImage({
      stack: { name: "s", server: "a" },
      image,
      finding,
      versions: undefined,
      previous,
      indexOf: none,
      now: "t",
    });

  it("says why it did not check: a digest pin, a local build, no reference, a registry error", () => {
    expect(judge(running([d("a")], "", `reg.io/app:1@${d("a")}`), undefined)).toMatchObject({
      status: "pinned",
      note: expect.stringContaining("pinned by digest"),
    });
    expect(judge(running([]), undefined)).toMatchObject({
      status: "local",
      note: expect.stringContaining("no registry digest"),
    });
    expect(judge(running([d("a")], "", `\${IMAGE}`), undefined).status).toBe("local");
    expect(judge(running([d("a")]), { error: "reg.io refused access" })).toMatchObject({
      status: "error",
      note: "reg.io refused access",
    });
  });

  it("needs the index's entries when the index moved, and names a platform it lacks", () => {
    expect(judge(running([d("0")]), { digest: d("1"), index: true, indexError: "timed out" })).toMatchObject({
      status: "error",
      note: "timed out",
    });
    expect(
      judge(running([d("0")], "linux/riscv64"), { digest: d("1"), index: true, platforms: { "linux/amd64": d("a") } }),
    ).toMatchObject({ status: "error", note: "reg.io/app:1 has no image for linux/riscv64" });
    // Up to date without reading the index: the host runs the index's own digest.
    expect(judge(running([d("1")]), { digest: d("1"), index: true }).status).toBe("up-to-date");
  });

  it("remembers an update that failed at this digest, and forgets it when the registry moves on", () => {
    const first = judge(running([d("a")]), { digest: d("b"), index: false });
    expect(first).toMatchObject({
      status: "update-available",
      runningDigest: d("a"),
      latestDigest: d("b"),
      failedDigest: null,
    });
    const failed = { ...first, failedDigest: d("b"), note: "did not take" };
    expect(judge(running([d("a")]), { digest: d("b"), index: false }, failed)).toMatchObject({
      failedDigest: d("b"),
      note: "did not take",
    });
    expect(judge(running([d("a")]), { digest: d("c"), index: false }, failed)).toMatchObject({
      failedDigest: null,
      note: null,
    });
  });
});

const row = (service: string, status: ImageCheckRow["status"], failedDigest: string | null = null): ImageCheckRow => ({
  stack: "s",
  service,
  server: "a",
  image: "reg/app:1",
  status,
  runningDigest: d("a"),
  latestDigest: d("b"),
  failedDigest,
  note: null,
  versions: null,
  checkedAt: "",
});

describe("what an auto-update redeploys", () => {
  const rows = [row("web", "update-available"), row("db", "up-to-date"), row("cache", "local")];
  const auto = { auto: true, allServices: false, skipServices: [] };
  it("the changed services only, or the whole stack with auto_update_all_services", () => {
    expect(servicesToUpdate(auto, rows)).toEqual({ services: ["web"], wholeStack: false });
    expect(servicesToUpdate({ ...auto, allServices: true }, rows)).toEqual({ services: ["web"], wholeStack: true });
    expect(servicesToUpdate({ ...auto, auto: false }, rows)).toBeUndefined();
    expect(servicesToUpdate({ ...auto, skipServices: ["web"] }, rows)).toBeUndefined();
    expect(servicesToUpdate(auto, [row("db", "up-to-date")])).toBeUndefined();
  });

  it("never again to a digest whose update failed or changed nothing", () => {
    expect(servicesToUpdate(auto, [row("web", "update-available", d("b"))])).toBeUndefined();
  });
});
