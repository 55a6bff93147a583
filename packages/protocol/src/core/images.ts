// Image checks as the API reports them: per stack and service, what runs,
// what the registry has, newer versions of a version-like tag; and the
// registry credentials core holds (never their passwords).
import { z } from "zod";

export const NewerVersionsView = z.object({
  patch: z.array(z.string()),
  minor: z.array(z.string()),
  major: z.array(z.string()),
});

export const ImageCheckView = z.object({
  stack: z.string(),
  service: z.string(),
  server: z.string(),
  image: z.string(),
  /** `update-available`: the tag points to another digest than the container runs (for its platform). */
  status: z.enum(["up-to-date", "update-available", "pinned", "local", "error"]),
  runningDigest: z.string().nullable(),
  latestDigest: z.string().nullable(),
  /** An update to this digest failed or changed nothing: not tried again until the registry moves on. */
  failedDigest: z.string().nullable(),
  note: z.string().nullable(),
  versions: NewerVersionsView.nullable(),
  /** The compose line to edit for a newer version: Tugboat never edits Git. */
  edit: z.object({ file: z.string(), line: z.number().optional(), image: z.string() }).nullable(),
  checkedAt: z.string(),
});
export type ImageCheckView = z.infer<typeof ImageCheckView>;

export const ImagesView = z.object({
  images: z.array(ImageCheckView),
  /** Stacks with at least one service whose image has a newer digest. */
  stacksWithUpdates: z.array(z.string()),
});
export type ImagesView = z.infer<typeof ImagesView>;

/** Optional: without a body, every stack that polls. */
export const ImageCheckRequest = z
  .object({
    /** Only these stacks (whatever their poll_for_updates); default every stack that polls. */
    stacks: z.array(z.string().min(1).max(128)).max(10_000).optional(),
  })
  .nullish();

export const ImageCheckReply = z.object({
  at: z.string(),
  stacks: z.number(),
  images: z.number(),
  updateAvailable: z.number(),
  updates: z.array(z.object({ stack: z.string(), updateId: z.string(), services: z.array(z.string()) })),
});
export type ImageCheckReply = z.infer<typeof ImageCheckReply>;

/** Optional: without a body, every service with a newer image. */
export const ImageUpdateNowRequest = z
  .object({
    /** Default: every service of the stack with a newer image. */
    services: z.array(z.string().min(1).max(128)).max(200).optional(),
  })
  .nullish();

export const RegistryParams = z.object({
  registry: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[a-z0-9.-]+(:\d+)?$/i),
});

export const RegistryLoginRequest = z.object({
  username: z.string().min(1).max(255),
  password: z.string().min(1).max(8192),
});

export const RegistryCredentialView = z.object({
  registry: z.string(),
  username: z.string(),
  updatedAt: z.string(),
});
export const RegistryCredentialsView = z.object({ registries: z.array(RegistryCredentialView) });
export type RegistryCredentialsView = z.infer<typeof RegistryCredentialsView>;
