// The `[[resource_sync]]` entries a repository declares: each adds (or
// updates) a sync that core polls on its own, except the one describing the
// sync that reads them, which configures that sync (its webhook secret).
import { type Fleet, repositoryUrl } from "@tugboat/config";
import { redactUrl } from "@tugboat/git";
import type { SyncStore } from "./sync-store.js";

export async function declareSyncs(options: {
  syncs: SyncStore;
  /** The sync whose repository declares them. */
  owner: string;
  fleet: Fleet;
  /** The owner's repository, for entries that name no other. */
  repoUrl: string;
  say: (line: string) => void;
}): Promise<void> {
  const { syncs, owner, fleet, repoUrl, say } = options;
  const current = await syncs.get(owner);
  for (const declared of fleet.syncs) {
    const { config } = declared;
    if (declared.self) {
      if (current && config.webhook_secret !== (await syncs.webhookSecret(owner))) {
        await syncs.upsert({ ...current, webhookSecret: config.webhook_secret });
      }
      continue;
    }
    const repo = config.linked_repo ? fleet.repos.find((r) => r.name === config.linked_repo) : undefined;
    const url = config.repo ? repositoryUrl(config) : repo ? repositoryUrl(repo.config) : repoUrl;
    const branch = repo && !config.repo ? repo.config.branch : config.branch;
    const existing = await syncs.get(declared.name);
    await syncs.upsert({
      name: declared.name,
      repoUrl: url,
      branch,
      // None declared: that repository's own [[resource_sync]] entries say where.
      paths: config.resource_path,
      managed: config.managed,
      delete: config.delete,
      webhookSecret: config.webhook_secret,
      declaredBy: owner,
    });
    if (!existing)
      say(
        `added sync ${declared.name} (${redactUrl(url)}, ${branch}, ${config.resource_path.join(", ") || "its own resource syncs' paths"})`,
      );
  }
}
