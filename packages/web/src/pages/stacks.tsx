// Every stack: sortable by any column, filterable by text, state, tag and the
// repository folder it lives in (`applications/…`, `monitoring/…`), and
// grouped by folder, tag or server. On a phone each row is a card.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api } from "../api/client.js";
import type { StackView } from "../api/types.js";
import { ImageUpdateBadge, useImages } from "../components/image-updates.js";
import { Standing } from "../components/reconcile.js";
import { age, Badge, Commit, ErrorBox } from "../components/status.js";

type Column = "name" | "server" | "state" | "deployedCommit" | "deployedAt";
const COLUMNS: Array<[Column, string]> = [
  ["name", "Stack"],
  ["server", "Server"],
  ["state", "State"],
  ["deployedCommit", "Deployed commit"],
  ["deployedAt", "Deployed"],
];

type Grouping = "none" | "folder" | "tag" | "server";

/**
 * The repository folder a stack lives in: the folder holding its run
 * directory (`stacks/applications/homepage` → `applications`; "." at the root).
 */
function folderOf(stack: StackView): string {
  const parts = stack.spec.runDirectory
    .replace(/^\.\/?/, "")
    .split("/")
    .filter(Boolean);
  return parts.length >= 2 ? (parts[parts.length - 2] as string) : ".";
}

function groupRows(rows: StackView[], grouping: Grouping): Array<[string, StackView[]]> {
  if (grouping === "none") return [["", rows]];
  const groups = new Map<string, StackView[]>();
  for (const stack of rows) {
    const keys =
      grouping === "folder"
        ? [folderOf(stack)]
        : grouping === "server"
          ? [stack.spec.swarm ? `swarm ${stack.spec.swarm}` : stack.server]
          : stack.spec.tags.length > 0
            ? stack.spec.tags
            : ["(no tag)"];
    for (const key of keys) groups.set(key, [...(groups.get(key) ?? []), stack]);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

function StackRow({ stack: s, updates }: { stack: StackView; updates: string[] | undefined }) {
  return (
    <tr>
      <td data-label="Stack">
        <Link href={`/stacks/${encodeURIComponent(s.name)}`}>{s.name}</Link>{" "}
        <ImageUpdateBadge stacks={updates} name={s.name} />
      </td>
      <td data-label="Server">{s.spec.swarm ? `swarm ${s.spec.swarm}` : s.server}</td>
      <td data-label="State">
        <Badge value={s.state} />
        {s.replicas ? (
          <span className="muted" title={`swarm ${s.spec.swarm}: tasks running of desired`}>
            {" "}
            {s.replicas.running}/{s.replicas.desired} tasks
          </span>
        ) : null}
      </td>
      <td data-label="Deployed commit">
        <Commit sha={s.deployedCommit} />
      </td>
      <td data-label="Deployed">{age(s.deployedAt)}</td>
      <td data-label="In sync">
        <Standing stack={s} />
      </td>
    </tr>
  );
}

export function StacksPage() {
  const query = useQuery({
    queryKey: ["stacks"],
    queryFn: () => api<StackView[]>("/api/stacks"),
    refetchInterval: 10_000,
  });
  const images = useImages();
  const [text, setText] = useState("");
  const [state, setState] = useState("");
  const [tag, setTag] = useState("");
  const [folder, setFolder] = useState("");
  const [grouping, setGrouping] = useState<Grouping>("none");
  const [sort, setSort] = useState<{ column: Column; dir: 1 | -1 }>({ column: "name", dir: 1 });
  const all = query.data ?? [];
  const tags = [...new Set(all.flatMap((s) => s.spec.tags))].sort();
  const folders = [...new Set(all.map(folderOf))].sort();
  const rows = all
    .filter(
      (s) =>
        (!text || `${s.name} ${s.server}`.toLowerCase().includes(text.toLowerCase())) &&
        (!state || s.state === state) &&
        (!tag || s.spec.tags.includes(tag)) &&
        (!folder || folderOf(s) === folder),
    )
    .sort((a, b) => String(a[sort.column] ?? "").localeCompare(String(b[sort.column] ?? "")) * sort.dir);
  const groups = groupRows(rows, grouping);
  return (
    <section className="panel">
      <header>
        <h2>Stacks</h2>
        <div className="filters">
          <input
            type="search"
            placeholder="Filter by name or server"
            aria-label="Filter stacks"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <select aria-label="State" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">any state</option>
            {["running", "deploying", "unhealthy", "down", "stopped", "unknown"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          {tags.length > 0 ? (
            <select aria-label="Tag" value={tag} onChange={(e) => setTag(e.target.value)}>
              <option value="">any tag</option>
              {tags.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          ) : null}
          {folders.length > 1 ? (
            <select aria-label="Folder" value={folder} onChange={(e) => setFolder(e.target.value)}>
              <option value="">any folder</option>
              {folders.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          ) : null}
          <select aria-label="Group by" value={grouping} onChange={(e) => setGrouping(e.target.value as Grouping)}>
            <option value="none">no groups</option>
            <option value="folder">by folder</option>
            <option value="tag">by tag</option>
            <option value="server">by server</option>
          </select>
        </div>
      </header>
      <ErrorBox error={query.error} />
      <div className="table-scroll">
        <table className="list-on-phone">
          <thead>
            <tr>
              {COLUMNS.map(([column, label]) => (
                <th
                  key={column}
                  aria-sort={sort.column === column ? (sort.dir === 1 ? "ascending" : "descending") : "none"}
                >
                  <button
                    type="button"
                    className="link"
                    onClick={() => setSort({ column, dir: sort.column === column ? (sort.dir === 1 ? -1 : 1) : 1 })}
                  >
                    {label}
                    {sort.column === column ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
                  </button>
                </th>
              ))}
              <th>In sync</th>
            </tr>
          </thead>
          {groups.map(([group, members]) => (
            <tbody key={group}>
              {grouping === "none" ? null : (
                <tr className="group">
                  <th colSpan={COLUMNS.length + 1} scope="rowgroup">
                    {group} <span className="muted">({members.length})</span>
                  </th>
                </tr>
              )}
              {members.map((s) => (
                <StackRow key={s.name} stack={s} updates={images.data?.stacksWithUpdates} />
              ))}
            </tbody>
          ))}
        </table>
      </div>
      <p className="muted">
        {rows.length} of {query.data?.length ?? 0} stacks
      </p>
    </section>
  );
}
