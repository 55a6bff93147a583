// Image checks' decisions, pure: whether a container runs what its tag points
// to now (for the container's own platform), the verdict stored per service,
// and which services an auto-update redeploys.
import type { ContainerStatus } from "@tugboat/protocol";
import type { ImageCheckRow } from "./image-store.js";
import { digestsOf, displayReference, parseImageReference } from "./reference.js";
import type { NewerVersions } from "./semver.js";

/** What the registry says of one tag this round. */
export interface RegistryFinding {
  digest: string;
  /** A manifest list / image index: a change may concern other platforms only. */
  index: boolean;
  /** For an index whose entries were read: `os/arch[/variant]` → that platform's manifest digest. */
  platforms?: Readonly<Record<string, string>>;
  /** Why the entries could not be read. */
  indexError?: string;
}
export type Finding = RegistryFinding | { error: string };

/** What a service's container runs, from its agent. */
export interface RunningImage {
  service: string;
  image: string;
  imageId: string;
  /** Registry digests of the image in the reference's own repository. */
  digests: string[];
  platform: string;
}

/** One entry per service (the first container of each), skipped containers left out. */
export function runningImages(containers: readonly ContainerStatus[]): RunningImage[] {
  const byService = new Map<string, RunningImage>();
  for (const c of containers)
    if (!c.skip && !byService.has(c.service))
      byService.set(c.service, {
        service: c.service,
        image: c.image,
        imageId: c.imageId,
        digests: digestsOf(c.repoDigests, c.image),
        platform: c.platform,
      });
  return [...byService.values()];
}

/** The index entry for `platform`: exact, then the same os/arch whatever the variant. */
export function matchPlatform(platforms: Readonly<Record<string, string>>, platform: string): string | undefined {
  const wanted = platform || "linux/amd64";
  if (platforms[wanted]) return platforms[wanted];
  const [os, arch] = wanted.split("/");
  return Object.entries(platforms).find(([key]) => key.split("/")[0] === os && key.split("/")[1] === arch)?.[1];
}

/** An index moved away from what the container runs: only its entries say whether for this platform. */
export function needsIndex(running: RunningImage, finding: RegistryFinding): boolean {
  return finding.index && !running.digests.includes(finding.digest);
}

/**
 * True when the container runs the tag's current content for its platform:
 * it runs the tag's digest, or that platform's entry of it, or an older index
 * whose entry for this platform is the same manifest (the index moved for
 * another platform only). `indexOf` gives an older index's entries when known.
 */
export function runsLatest(
  running: RunningImage,
  finding: RegistryFinding,
  indexOf: (digest: string) => Readonly<Record<string, string>> | undefined,
): boolean {
  if (running.digests.includes(finding.digest)) return true;
  if (!finding.index) return false;
  const wanted = matchPlatform(finding.platforms ?? {}, running.platform);
  if (wanted === undefined) return false;
  if (running.digests.includes(wanted)) return true;
  return running.digests.some((digest) => {
    const entries = indexOf(digest);
    return entries !== undefined && matchPlatform(entries, running.platform) === wanted;
  });
}

export interface JudgeInput {
  stack: { name: string; server: string };
  image: RunningImage;
  finding: Finding | undefined;
  /** Newer versions of a version-like tag, when the tag list was read. */
  versions: NewerVersions | undefined;
  previous: ImageCheckRow | undefined;
  indexOf: (digest: string) => Readonly<Record<string, string>> | undefined;
  now: string;
}

/** One service's row: up to date, update available, or why it was not checked. */
export function judgeImage(input: JudgeInput): ImageCheckRow {
  const { image, finding, previous } = input;
  const base: ImageCheckRow = {
    stack: input.stack.name,
    service: image.service,
    server: input.stack.server,
    image: image.image,
    status: "local",
    runningDigest: image.digests[0] ?? null,
    latestDigest: null,
    failedDigest: null,
    note: null,
    versions: null,
    checkedAt: input.now,
  };
  const ref = parseImageReference(image.image);
  if (!ref) return { ...base, note: "not a registry image reference: not checked" };
  if (ref.digest) return { ...base, status: "pinned", note: "pinned by digest: it never changes, not checked" };
  if (image.digests.length === 0)
    return { ...base, note: "built or loaded on the host (no registry digest): not checked" };
  if (!finding || "error" in finding) return { ...base, status: "error", note: finding?.error ?? "not checked" };
  const versions =
    input.versions && input.versions.patch.length + input.versions.minor.length + input.versions.major.length > 0
      ? input.versions
      : null;
  const checked = { ...base, latestDigest: finding.digest, versions };
  if (needsIndex(image, finding)) {
    if (finding.platforms === undefined)
      return { ...checked, status: "error", note: finding.indexError ?? "the tag's index was not read" };
    if (matchPlatform(finding.platforms, image.platform) === undefined)
      return {
        ...checked,
        status: "error",
        note: `${displayReference(ref)} has no image for ${image.platform || "this host's platform"}`,
      };
  }
  if (runsLatest(image, finding, input.indexOf)) return { ...checked, status: "up-to-date" };
  // An update to this very digest that failed or changed nothing is remembered until the registry moves on.
  const failed = previous?.failedDigest === finding.digest;
  return {
    ...checked,
    status: "update-available",
    failedDigest: failed ? finding.digest : null,
    note: failed ? (previous?.note ?? null) : null,
  };
}

export interface UpdateSettings {
  auto: boolean;
  allServices: boolean;
  skipServices: readonly string[];
}

/** What an automatic update does: the services it must verify, and whether it redeploys the whole stack. */
export interface UpdateChoice {
  services: string[];
  wholeStack: boolean;
}

/**
 * An auto-update of a stack: the services with a newer image, except skipped
 * ones and those whose update to this very digest failed already (tried again
 * only once the registry moves on). With auto_update_all_services the whole
 * stack is redeployed, as in Komodo.
 */
export function servicesToUpdate(settings: UpdateSettings, rows: readonly ImageCheckRow[]): UpdateChoice | undefined {
  if (!settings.auto) return undefined;
  const due = rows.filter(
    (r) => r.status === "update-available" && !settings.skipServices.includes(r.service) && r.failedDigest === null,
  );
  if (due.length === 0) return undefined;
  return { services: due.map((r) => r.service).sort(), wholeStack: settings.allServices };
}
