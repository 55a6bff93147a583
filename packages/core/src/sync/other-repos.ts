// The other repositories a sync's stacks read their files from: opened for a
// load at the commit to read (the one last applied, or the branch head), and
// asked for their heads on every poll, so a push there redeploys its stacks
// even when the sync's own repository did not move.
import {
  type Fleet,
  type FleetState,
  GitCommitSource,
  type LegacyFleetState,
  type OpenRepository,
  repositoryKey,
} from "@tugboat/config";
import type { SecretMasker } from "../secrets/masker.js";
import type { RepoMirrors } from "./repo-mirror.js";

interface ReadAt {
  url: string;
  branch: string;
  /** Undefined when it could not be read. */
  commit: string | undefined;
}

export class OtherRepositoryWatch {
  /** Per sync, each other repository its last load read, at the commit it read. */
  private readonly read = new Map<string, ReadAt[]>();

  constructor(
    private readonly mirrors: RepoMirrors,
    private readonly masker: SecretMasker,
  ) {}

  /** Opens each at `pinned[url#branch]`, else at its branch head; a failure is the stacks' problem, said once. */
  opener(pinned: Readonly<Record<string, string>>): OpenRepository {
    return async (ref) => {
      try {
        const commit = pinned[repositoryKey(ref)] ?? (await this.mirrors.remoteHead(ref.url, ref.branch));
        const mirror = await this.mirrors.fetch(ref.url, ref.branch, commit);
        return await GitCommitSource.open({ repository: mirror, revision: commit });
      } catch (error) {
        return { problem: this.masker.mask((error as Error).message.split("\n")[0] ?? "") };
      }
    };
  }

  /** What a load of `sync` read: the heads a poll compares. */
  remember(sync: string, fleet: Fleet): void {
    const byKey = new Map<string, ReadAt>();
    for (const { source } of fleet.stacks)
      if (source.kind === "repo")
        byKey.set(repositoryKey(source), { url: source.url, branch: source.branch, commit: source.commit });
    this.read.set(sync, [...byKey.values()]);
  }

  /** Whether one of them has a new head (one that cannot be asked counts as not moved). */
  async moved(sync: string): Promise<boolean> {
    const moved = await Promise.all(
      (this.read.get(sync) ?? []).map((other) =>
        this.mirrors.remoteHead(other.url, other.branch).then(
          (head) => head !== other.commit,
          () => false,
        ),
      ),
    );
    return moved.includes(true);
  }
}

/** Where an applied state read the other repositories (an older state: nowhere, so at their heads). */
export function appliedRepositories(state: FleetState | LegacyFleetState): Record<string, string> {
  return "repositories" in state ? (state.repositories ?? {}) : {};
}
