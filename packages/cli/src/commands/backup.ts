// `tug backup [--list]`: core backs itself up now (or lists its backups).
// `tug restore FILE`: a backup into a data dir or PostgreSQL database that no
// core is using, migrated forward to this version.

import { restoreBackup } from "@tugboat/core";
import type { BackupList, BackupView } from "@tugboat/protocol";
import { CoreClient } from "../core-client.js";
import { EXIT_OK } from "../exit-codes.js";
import { table } from "../table.js";

const size = (bytes: number) =>
  bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;

export async function backupCommand(options: { core?: string; list?: boolean; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  if (options.list) {
    const list = await client.request<BackupList>("GET", "/api/backups");
    if (options.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else
      process.stdout.write(
        table([
          ["NAME", "STATUS", "SIZE", "KEPT AS", "TRIGGER"],
          ...list.backups.map((b) => [
            b.name,
            b.status === "ok" ? "ok" : `failed: ${b.error ?? ""}`,
            b.status === "ok" ? size(b.size) : "-",
            b.slots?.join(", ") || "-",
            b.trigger,
          ]),
        ]) +
          `${list.dir}: ${list.keep.daily} daily, ${list.keep.weekly} weekly, ${list.keep.monthly} monthly; next ${list.nextRun ?? "(no schedule)"}\n`,
      );
    return EXIT_OK;
  }
  const record = await client.request<BackupView>("POST", "/api/backups", {});
  if (options.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else
    process.stdout.write(
      `backup ${record.name}: ${size(record.size)}, checked${record.encrypted ? ", encrypted" : ""}; sha256 ${record.sha256}\n`,
    );
  return EXIT_OK;
}

export async function restoreCommand(
  file: string,
  options: { dataDir: string; databaseUrl?: string; identity?: string; keyFile?: string },
): Promise<number> {
  const databaseUrl = options.databaseUrl ?? process.env.TUG_DATABASE_URL;
  const result = await restoreBackup({
    file,
    dataDir: options.dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(options.identity ? { identityFile: options.identity } : {}),
    ...(options.keyFile ? { keyFile: options.keyFile } : {}),
  });
  process.stdout.write(
    [
      `restored the ${result.database} backup of ${result.createdAt} into ${databaseUrl ? "the database" : options.dataDir}`,
      result.migrationBefore === result.migrationAfter
        ? `schema: ${result.migrationAfter}`
        : `migrated forward: ${result.migrationBefore} → ${result.migrationAfter}`,
      result.movedAside ? `what it replaced is in ${result.movedAside}` : "",
      "next: start core on it (tug core)",
      "",
    ]
      .filter((line, i, all) => line !== "" || i === all.length - 1)
      .join("\n"),
  );
  return EXIT_OK;
}
