// What image checks found, per stack and service, and the registry
// credentials they use (passwords sealed with core's key, never returned).
import type { Db } from "../db/open-database.js";
import type { CoreKey } from "../secrets/core-key.js";
import type { SecretMasker } from "../secrets/masker.js";
import type { RegistryCredential } from "./registry-client.js";
import type { NewerVersions } from "./semver.js";

export type ImageStatus = "up-to-date" | "update-available" | "pinned" | "local" | "error";

export interface ImageCheckRow {
  stack: string;
  service: string;
  server: string;
  image: string;
  status: ImageStatus;
  runningDigest: string | null;
  latestDigest: string | null;
  failedDigest: string | null;
  note: string | null;
  versions: NewerVersions | null;
  checkedAt: string;
}

export class ImageStore {
  constructor(
    private readonly db: Db,
    private readonly key: CoreKey,
    private readonly masker: SecretMasker,
  ) {}

  async list(stack?: string): Promise<ImageCheckRow[]> {
    let query = this.db.selectFrom("image_checks").selectAll().orderBy("stack").orderBy("service");
    if (stack !== undefined) query = query.where("stack", "=", stack);
    const rows = await query.execute();
    return rows.map((row) => ({
      stack: row.stack,
      service: row.service,
      server: row.server,
      image: row.image,
      status: row.status as ImageStatus,
      runningDigest: row.running_digest,
      latestDigest: row.latest_digest,
      failedDigest: row.failed_digest,
      note: row.note,
      versions: row.versions ? (JSON.parse(row.versions) as NewerVersions) : null,
      checkedAt: row.checked_at,
    }));
  }

  /** Replaces a stack's rows with this check's (services gone from it go too). */
  async replace(stack: string, rows: ImageCheckRow[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("image_checks").where("stack", "=", stack).execute();
      for (const row of rows)
        await tx
          .insertInto("image_checks")
          .values({
            stack: row.stack,
            service: row.service,
            server: row.server,
            image: row.image,
            status: row.status,
            running_digest: row.runningDigest,
            latest_digest: row.latestDigest,
            failed_digest: row.failedDigest,
            note: row.note,
            versions: row.versions ? JSON.stringify(row.versions) : null,
            checked_at: row.checkedAt,
          })
          .execute();
    });
  }

  async credentials(): Promise<Array<{ registry: string; username: string; updatedAt: string }>> {
    const rows = await this.db
      .selectFrom("registry_credentials")
      .select(["registry", "username", "updated_at"])
      .execute();
    return rows.map((r) => ({ registry: r.registry, username: r.username, updatedAt: r.updated_at }));
  }

  async credential(registry: string): Promise<RegistryCredential | undefined> {
    const row = await this.db
      .selectFrom("registry_credentials")
      .selectAll()
      .where("registry", "=", registry)
      .executeTakeFirst();
    if (!row) return undefined;
    const password = this.key.open(row.password);
    this.masker.set(`registry:${registry}`, [password]);
    return { username: row.username, password };
  }

  async setCredential(registry: string, credential: RegistryCredential): Promise<void> {
    const row = {
      registry,
      username: credential.username,
      password: this.key.seal(credential.password),
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto("registry_credentials")
      .values(row)
      .onConflict((oc) => oc.column("registry").doUpdateSet(row))
      .execute();
    this.masker.set(`registry:${registry}`, [credential.password]);
  }

  async deleteCredential(registry: string): Promise<boolean> {
    const result = await this.db.deleteFrom("registry_credentials").where("registry", "=", registry).executeTakeFirst();
    this.masker.set(`registry:${registry}`, []);
    return Number(result.numDeletedRows) > 0;
  }
}
