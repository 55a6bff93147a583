// `[[repo]]`: a Git repository that stacks name with `linked_repo`.
import { z } from "zod";
import { type KindSpec, keysOf, ResourceBase, UNSUPPORTED_BASE_FIELDS } from "./common.js";

const repoConfigShape = {
  /** `namespace/name` on `git_provider`, as in Komodo. */
  repo: z.string().default(""),
  git_provider: z.string().default("github.com"),
  git_https: z.boolean().default(true),
  branch: z.string().default("main"),
  /** Tugboat extension: any Git URL or local path; wins over `repo` + `git_provider`. */
  url: z.string().default(""),
};

export const RepoConfig = z.object(repoConfigShape);
export type RepoConfig = z.infer<typeof RepoConfig>;

export const RepoResource = z.object({
  ...ResourceBase,
  config: RepoConfig.default(RepoConfig.parse({})),
});
export type RepoResource = z.infer<typeof RepoResource>;

export const repoKind: KindSpec = {
  kind: "repo",
  schema: RepoResource,
  topLevelKeys: ["name", "description", "tags", "config"],
  configKeys: keysOf(repoConfigShape),
  unsupportedTopLevel: UNSUPPORTED_BASE_FIELDS,
  unsupportedConfig: [
    "server",
    "builder",
    "git_account",
    "commit",
    "path",
    "on_clone",
    "on_pull",
    "links",
    "environment",
    "env_file_path",
    "skip_secret_interp",
    "webhook_enabled",
    "webhook_secret",
  ],
};

/** The clone URL of a repository given Komodo-style (`repo` on `git_provider`) or as a URL. */
export function repositoryUrl(config: {
  url?: string;
  repo: string;
  git_provider: string;
  git_https: boolean;
}): string {
  if (config.url) return config.url;
  return `${config.git_https ? "https" : "http"}://${config.git_provider}/${config.repo}.git`;
}
