// What registries say of the tags the fleet runs, one round at a time: one
// HEAD per tag (Docker Hub does not count a HEAD as a pull); an index read
// (GET) only when a multi-platform tag moved away from what some host runs,
// to tell whether it moved for that host's platform — once per index digest,
// remembered; and the tag list of each repository used with a version-like tag.
import { type Finding, needsIndex, type RegistryFinding, type RunningImage } from "./compare.js";
import { type ImageReference, imageKey, parseImageReference } from "./reference.js";
import type { RegistryClient } from "./registry-client.js";
import { parseTagVersion } from "./semver.js";

/** Index entries remembered (an index never changes under its digest); the oldest go first. */
const INDEX_CACHE = 2_000;

export interface RoundFindings {
  /** By `imageKey`: what the registry has for each tag. */
  findings: Map<string, Finding>;
  /** By `registry/repository`: the repository's tags, for version-like tags. */
  tags: Map<string, string[]>;
  indexOf: (digest: string) => Readonly<Record<string, string>> | undefined;
}

/** The registry reference of a running image worth checking: from a registry, not pinned by digest. */
export function checkable(image: RunningImage): ImageReference | undefined {
  const ref = parseImageReference(image.image);
  return ref && !ref.digest && image.digests.length > 0 ? ref : undefined;
}

export const repositoryKey = (ref: ImageReference) => `${ref.registry}/${ref.repository}`;

export class RegistryFindings {
  /** Entries of indexes read; an older index that could not be read is remembered with none. */
  private readonly known = new Map<string, Record<string, string>>();
  private readonly reading = new Map<string, Promise<Record<string, string>>>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly signal: AbortSignal,
  ) {}

  async round(running: readonly RunningImage[]): Promise<RoundFindings> {
    const refs = new Map<string, ImageReference>();
    for (const image of running) {
      const ref = checkable(image);
      if (ref) refs.set(imageKey(ref), ref);
    }
    const findings = new Map<string, Finding>();
    await Promise.all(
      [...refs].map(async ([key, ref]) => {
        try {
          const head = await this.registry.head(ref, this.signal);
          findings.set(key, { digest: head.digest, index: head.index });
        } catch (error) {
          findings.set(key, { error: (error as Error).message });
        }
      }),
    );
    await this.readIndexes(running, findings);
    return { findings, tags: await this.versionTags(refs, findings), indexOf: (digest) => this.known.get(digest) };
  }

  /** The entries of each moved index, and of the older indexes hosts run, where a host may be concerned. */
  private async readIndexes(running: readonly RunningImage[], findings: ReadonlyMap<string, Finding>) {
    const reads: Array<Promise<unknown>> = [];
    for (const image of running) {
      const ref = checkable(image);
      const finding = ref ? findings.get(imageKey(ref)) : undefined;
      if (!ref || !finding || "error" in finding || !needsIndex(image, finding)) continue;
      reads.push(this.readCurrent(ref, finding));
      // An older index the registry no longer has counts as a plain manifest: a change.
      for (const digest of image.digests) reads.push(this.entries(ref, digest).catch(() => this.remember(digest, {})));
    }
    await Promise.all(reads);
  }

  private async readCurrent(ref: ImageReference, finding: RegistryFinding) {
    try {
      finding.platforms = await this.entries(ref, finding.digest);
    } catch (error) {
      finding.indexError = `cannot read the index of ${ref.repository}:${ref.tag}: ${(error as Error).message}`;
    }
  }

  /** An index's entries by digest, read once: remembered, or shared while in flight. */
  private entries(ref: ImageReference, digest: string): Promise<Record<string, string>> {
    const known = this.known.get(digest);
    if (known) return Promise.resolve(known);
    let read = this.reading.get(digest);
    if (!read) {
      read = this.registry
        .platforms(ref, digest, this.signal)
        .then((entries) => this.remember(digest, entries))
        .finally(() => this.reading.delete(digest));
      this.reading.set(digest, read);
    }
    return read;
  }

  private remember(digest: string, entries: Record<string, string>): Record<string, string> {
    if (this.known.size >= INDEX_CACHE) this.known.delete(this.known.keys().next().value as string);
    this.known.set(digest, entries);
    return entries;
  }

  /** The tag list of each repository used with a version-like tag, once per round; a failure lists none. */
  private async versionTags(refs: ReadonlyMap<string, ImageReference>, findings: ReadonlyMap<string, Finding>) {
    const repositories = new Map<string, ImageReference>();
    for (const [key, ref] of refs) {
      const finding = findings.get(key);
      if (parseTagVersion(ref.tag) && finding && !("error" in finding)) repositories.set(repositoryKey(ref), ref);
    }
    const tags = new Map<string, string[]>();
    await Promise.all(
      [...repositories].map(async ([key, ref]) => {
        const list = await this.registry.tags(ref, this.signal).catch(() => undefined);
        if (list) tags.set(key, list);
      }),
    );
    return tags;
  }
}
