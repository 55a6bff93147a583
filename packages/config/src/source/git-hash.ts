// Git's object ids computed from file contents, so a plain working tree gets
// the same blob and tree ids (and so the same fingerprints) as a commit.
import { createHash } from "node:crypto";

export function blobId(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

export interface TreeEntry {
  name: string;
  /** Git file mode: 100644, 100755, 120000 (symlink) or 40000 (tree). */
  mode: "100644" | "100755" | "120000" | "40000";
  oid: string;
}

export function treeId(entries: readonly TreeEntry[]): string {
  // Git sorts entries by name, comparing a tree's name as if it ended in "/".
  const sortKey = (entry: TreeEntry) => (entry.mode === "40000" ? `${entry.name}/` : entry.name);
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(sortKey(a)), Buffer.from(sortKey(b))));
  const body = Buffer.concat(
    sorted.map((entry) => Buffer.concat([Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.oid, "hex")])),
  );
  return createHash("sha1").update(`tree ${body.length}\0`).update(body).digest("hex");
}
