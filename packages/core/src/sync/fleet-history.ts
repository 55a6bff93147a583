// A sync's fleet and files at any commit, for diffs (nothing is applied).
// The last few fleets are kept a minute: a page of diffs reads the same two
// commits for each of its stacks.
import { type Fleet, GitCommitSource } from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { RepoMirrors } from "./repo-mirror.js";
import type { SyncRow, SyncStore } from "./sync-store.js";

const KEEP_MS = 60_000;
const KEEP = 8;

export class FleetHistory {
  private readonly fleets = new Map<string, { fleet: Fleet; until: number }>();

  constructor(
    private readonly deps: {
      syncs: SyncStore;
      mirrors: RepoMirrors;
      /** Reads a sync's fleet at a commit, as a sync check does. */
      load: (sync: SyncRow, commit: string) => Promise<Fleet>;
    },
  ) {}

  async fleetAt(syncName: string, commit: string): Promise<Fleet> {
    const key = `${syncName}@${commit}`;
    const cached = this.fleets.get(key);
    if (cached && cached.until > Date.now()) return cached.fleet;
    const fleet = await this.deps.load(await this.sync(syncName), commit);
    this.fleets.set(key, { fleet, until: Date.now() + KEEP_MS });
    for (const old of [...this.fleets.keys()].slice(0, Math.max(0, this.fleets.size - KEEP))) this.fleets.delete(old);
    return fleet;
  }

  /** The sync's repository at `commit`, to read files from (close it after). */
  async openCommit(syncName: string, commit: string): Promise<GitCommitSource> {
    const sync = await this.sync(syncName);
    const mirror = await this.deps.mirrors.fetch(sync.repoUrl, sync.branch, commit);
    return GitCommitSource.open({ repository: mirror, revision: commit });
  }

  private async sync(name: string): Promise<SyncRow> {
    const sync = await this.deps.syncs.get(name);
    if (!sync) throw new TugError("E_NOT_FOUND", `no sync named "${name}"`);
    return sync;
  }
}
