// The batched notice of newer versions: one line per service whose tag has
// newer versions, with the compose line to edit (Tugboat never edits Git).
// Pure; `key` changes only when the list does, so the same list is not sent twice.
import { createHash } from "node:crypto";
import type { ServiceImage } from "@tugboat/config";
import type { ImageCheckRow } from "./image-store.js";
import { parseImageReference } from "./reference.js";
import type { NewerVersions } from "./semver.js";

export interface VersionNotice {
  key: string;
  message: string;
  lines: string[];
}

function groups(versions: NewerVersions): string {
  return (["patch", "minor", "major"] as const)
    .filter((g) => versions[g].length > 0)
    .map((g) => `${g} ${versions[g].join(", ")}`)
    .join("; ");
}

/** Where to edit, and to what: `stacks/web/compose.yaml:4: image: reg/app:1.2.3 → reg/app:1.2.4`. */
export function editLine(written: ServiceImage | undefined, tag: string, newest: string): string {
  if (!written) return "";
  const ref = parseImageReference(written.image);
  if (!ref || ref.tag !== tag || !written.image.endsWith(`:${tag}`)) return ` (${written.file})`;
  const replaced = `${written.image.slice(0, -tag.length)}${newest}`;
  return ` — edit ${written.file}${written.line ? `:${written.line}` : ""}: image: ${written.image} → ${replaced}`;
}

export function versionNotice(
  rows: readonly ImageCheckRow[],
  written: (stack: string, service: string) => ServiceImage | undefined,
): VersionNotice | undefined {
  const lines: string[] = [];
  for (const row of rows) {
    if (!row.versions) continue;
    const ref = parseImageReference(row.image);
    if (!ref) continue;
    const newest = row.versions.patch.at(-1) ?? row.versions.minor.at(-1) ?? row.versions.major.at(-1) ?? ref.tag;
    lines.push(
      `${row.stack}/${row.service}: ${row.image}: ${groups(row.versions)}${editLine(written(row.stack, row.service), ref.tag, newest)}`,
    );
  }
  if (lines.length === 0) return undefined;
  const key = createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
  const message = `newer versions for ${lines.length} image tag(s):\n${lines.join("\n")}`;
  return { key, message, lines };
}
