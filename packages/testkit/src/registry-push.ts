// Images pushed to a test registry over the distribution API, built from the
// testkit's busybox root filesystem: one layer (gzipped once per process) and
// a config the test chooses (labels, a healthcheck, the platform). A test
// decides exactly which digest a tag points to, and whether it is a
// multi-platform index (manifest list), without `docker push`.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { busyboxRootfs } from "./image.js";

export interface PushOptions {
  /** `os/arch[/variant]` of each platform; two or more make an index. Default linux/amd64. */
  platforms?: string[];
  /** Image labels: another label is another image, so another digest. */
  labels?: Record<string, string>;
  /** More labels for one platform only: moves that platform's entry of an index and no other. */
  platformLabels?: Record<string, Record<string, string>>;
  /** The image's own HEALTHCHECK as the Engine API shows it (durations in nanoseconds). */
  healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number };
}

export interface PushedImage {
  /** What the tag points to now: the manifest's digest, or the index's. */
  digest: string;
  /** Each platform's manifest digest. */
  platforms: Record<string, string>;
}

const MEDIA = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  list: "application/vnd.docker.distribution.manifest.list.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

let layer: Promise<{ gz: Buffer; digest: string; diffId: string }> | undefined;

function busyboxLayer() {
  layer ??= busyboxRootfs().then(async (file) => {
    const tar = await readFile(file);
    const gz = gzipSync(tar);
    return { gz, digest: sha256(gz), diffId: sha256(tar) };
  });
  return layer;
}

interface Target {
  url: string;
  repository: string;
  headers: Record<string, string>;
}

async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status)
    throw new Error(`${what}: the registry answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return response;
}

async function putBlob(target: Target, body: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(body);
  const base = `${target.url}/v2/${target.repository}/blobs`;
  const head = await fetch(`${base}/${digest}`, { method: "HEAD", headers: target.headers });
  if (head.ok) return { digest, size: body.length };
  const started = await expectStatus(
    await fetch(`${base}/uploads/`, { method: "POST", headers: target.headers }),
    202,
    `starting an upload to ${target.repository}`,
  );
  const location = new URL(started.headers.get("location") ?? "", target.url);
  location.searchParams.set("digest", digest);
  await expectStatus(
    await fetch(location, {
      method: "PUT",
      headers: { ...target.headers, "content-type": "application/octet-stream" },
      body: new Uint8Array(body),
    }),
    201,
    `uploading ${digest} to ${target.repository}`,
  );
  return { digest, size: body.length };
}

async function putManifest(target: Target, reference: string, mediaType: string, manifest: unknown) {
  const body = JSON.stringify(manifest);
  await expectStatus(
    await fetch(`${target.url}/v2/${target.repository}/manifests/${reference}`, {
      method: "PUT",
      headers: { ...target.headers, "content-type": mediaType },
      body,
    }),
    201,
    `pushing ${target.repository}:${reference}`,
  );
  return { digest: sha256(body), size: Buffer.byteLength(body), mediaType };
}

async function platformManifest(target: Target, platform: string, options: PushOptions) {
  const [os = "linux", architecture = "amd64", variant] = platform.split("/");
  const rootfs = await busyboxLayer();
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os,
      ...(variant ? { variant } : {}),
      created: "2026-01-01T00:00:00Z",
      config: {
        Cmd: ["sh"],
        Labels: { ...options.labels, ...options.platformLabels?.[platform] },
        ...(options.healthcheck ? { Healthcheck: options.healthcheck } : {}),
      },
      rootfs: { type: "layers", diff_ids: [rootfs.diffId] },
      history: [{ created: "2026-01-01T00:00:00Z", created_by: "tugboat testkit" }],
    }),
  );
  const configBlob = await putBlob(target, config);
  const layerBlob = await putBlob(target, rootfs.gz);
  return {
    platform: { os, architecture, ...(variant ? { variant } : {}) },
    manifest: {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, ...configBlob },
      layers: [{ mediaType: MEDIA.layer, ...layerBlob }],
    },
  };
}

export async function pushImage(
  options: PushOptions & {
    url: string;
    repository: string;
    tag: string;
    auth?: { username: string; password: string };
  },
): Promise<PushedImage> {
  const target: Target = {
    url: options.url,
    repository: options.repository,
    headers: options.auth
      ? {
          authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`,
        }
      : {},
  };
  const platforms = options.platforms ?? ["linux/amd64"];
  const built = await Promise.all(platforms.map((p) => platformManifest(target, p, options)));
  if (built.length === 1) {
    const [only] = built;
    const pushed = await putManifest(target, options.tag, MEDIA.manifest, only?.manifest);
    return { digest: pushed.digest, platforms: { [platforms[0] ?? ""]: pushed.digest } };
  }
  const entries = await Promise.all(
    built.map(async (b) => ({
      ...(await putManifest(target, sha256(JSON.stringify(b.manifest)), MEDIA.manifest, b.manifest)),
      platform: b.platform,
    })),
  );
  const index = await putManifest(target, options.tag, MEDIA.list, {
    schemaVersion: 2,
    mediaType: MEDIA.list,
    manifests: entries,
  });
  return {
    digest: index.digest,
    platforms: Object.fromEntries(platforms.map((p, i) => [p, entries[i]?.digest ?? ""])),
  };
}
