// The Git remotes and branches a repository's resources name. They come from
// a file anyone with push access can change, and core hands them to git: each
// is checked where it is written, before anything runs. A local path is never
// accepted here: only core's own TUG_SYNC_REPO may be one.
import { checkBranch, checkRemoteUrl } from "@tugboat/git";
import type { Diagnostics } from "../diagnostics.js";
import type { ReadResource } from "../resources/read-resources.js";
import { repositoryUrl } from "../resources/repo.js";

interface RemoteFields {
  url?: string;
  repo: string;
  git_provider: string;
  git_https: boolean;
  branch: string;
}

export function checkRemotes(resources: readonly ReadResource[], diagnostics: Diagnostics): void {
  for (const resource of resources) {
    if (resource.kind !== "repo" && resource.kind !== "stack" && resource.kind !== "resource_sync") continue;
    const config = (resource.value as { config: RemoteFields }).config;
    const locate = (field: string) => resource.toml.locate([...resource.path, "config", field]);
    const what = `${resource.kind} "${resource.name}"`;
    // Stacks and syncs name a repository only through `repo`; a [[repo]] always names one.
    const named = resource.kind === "repo" || config.repo !== "";
    if (named) {
      const field = config.url ? "url" : "repo";
      const remote = checkRemoteUrl(repositoryUrl(config));
      if (!remote.ok)
        diagnostics.error(
          "E_INVALID_URL",
          `${what}: ${remote.problem}`,
          locate(field),
          `${resource.kind}.config.${field}`,
        );
    }
    if (named || config.branch !== "main") {
      const problem = checkBranch(config.branch);
      if (problem)
        diagnostics.error("E_INVALID_VALUE", `${what}: ${problem}`, locate("branch"), `${resource.kind}.config.branch`);
    }
  }
}
