// The images a stack's services ran when its last deploy succeeded, pinned by
// local image ID. A rollback or a heal tags each reference back to the image
// it named then, so a tag that moved since (a pull by a later deploy, an
// image update) does not bring back what failed or what nobody deployed.
import type { ContainerStatus } from "@tugboat/protocol";
import { z } from "zod";
import type { DockerEngine } from "../docker/engine.js";
import type { ActionRun } from "./run.js";

export const PinnedImage = z.object({
  service: z.string(),
  /** The reference the service's container was created from (`registry/app:1.2`). */
  image: z.string(),
  /** The local image ID it named then. */
  imageId: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type PinnedImage = z.infer<typeof PinnedImage>;

/** One entry per service, from the containers a successful deploy left. */
export function pinnedImages(containers: readonly ContainerStatus[]): PinnedImage[] {
  const byService = new Map<string, PinnedImage>();
  for (const c of containers)
    if (!c.skip && !byService.has(c.service) && PinnedImage.safeParse(c).success)
      byService.set(c.service, { service: c.service, image: c.image, imageId: c.imageId });
  return [...byService.values()];
}

/** `repository[:tag]` as the Engine API's tag call wants it; a digest reference never moves, so none. */
function tagParts(reference: string): { repo: string; tag: string } | undefined {
  if (reference.includes("@") || /^(sha256:)?[0-9a-f]{64}$/.test(reference)) return undefined;
  const slash = reference.lastIndexOf("/");
  const colon = reference.lastIndexOf(":");
  return colon > slash
    ? { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) }
    : { repo: reference, tag: "latest" };
}

/**
 * Points each pinned reference (of `services`, or all) back at its image,
 * when it names another one now. An image no longer on the host is said
 * and left: the reference stays where it is.
 */
export async function restoreImages(
  engine: DockerEngine,
  run: ActionRun,
  images: readonly PinnedImage[],
  services?: readonly string[],
): Promise<void> {
  const chosen = images.filter((p) => !services || services.includes(p.service));
  const byReference = new Map(chosen.map((p) => [p.image, p]));
  for (const [reference, pinned] of byReference) {
    const parts = tagParts(reference);
    if (!parts) continue;
    const now = await engine.inspectImage(reference).catch(() => undefined);
    if (now?.Id === pinned.imageId) continue;
    const kept = await engine.inspectImage(pinned.imageId).catch(() => undefined);
    if (!kept) {
      run.warn(
        "pin images",
        `${reference}: image ${pinned.imageId.slice(7, 19)} that ran before is gone from this host; using ${now ? now.Id.slice(7, 19) : "none"}`,
      );
      continue;
    }
    await engine.tagImage(pinned.imageId, parts);
    run.log("pin images", `${reference} → ${pinned.imageId.slice(7, 19)}, the image ${pinned.service} ran before`);
  }
}
