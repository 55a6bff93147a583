// Every stack: sortable by any column, filterable by text and state.
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

export function StacksPage() {
  const query = useQuery({
    queryKey: ["stacks"],
    queryFn: () => api<StackView[]>("/api/stacks"),
    refetchInterval: 10_000,
  });
  const images = useImages();
  const [text, setText] = useState("");
  const [state, setState] = useState("");
  const [sort, setSort] = useState<{ column: Column; dir: 1 | -1 }>({ column: "name", dir: 1 });
  const rows = (query.data ?? [])
    .filter(
      (s) =>
        (!text || `${s.name} ${s.server}`.toLowerCase().includes(text.toLowerCase())) && (!state || s.state === state),
    )
    .sort((a, b) => String(a[sort.column] ?? "").localeCompare(String(b[sort.column] ?? "")) * sort.dir);
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
        </div>
      </header>
      <ErrorBox error={query.error} />
      <div className="table-scroll">
        <table>
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
          <tbody>
            {rows.map((s) => (
              <tr key={s.name}>
                <td>
                  <Link href={`/stacks/${encodeURIComponent(s.name)}`}>{s.name}</Link>{" "}
                  <ImageUpdateBadge stacks={images.data?.stacksWithUpdates} name={s.name} />
                </td>
                <td>{s.spec.swarm ? `swarm ${s.spec.swarm}` : s.server}</td>
                <td>
                  <Badge value={s.state} />
                  {s.replicas ? (
                    <span className="muted" title={`swarm ${s.spec.swarm}: tasks running of desired`}>
                      {" "}
                      {s.replicas.running}/{s.replicas.desired} tasks
                    </span>
                  ) : null}
                </td>
                <td>
                  <Commit sha={s.deployedCommit} />
                </td>
                <td>{age(s.deployedAt)}</td>
                <td>
                  <Standing stack={s} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">
        {rows.length} of {query.data?.length ?? 0} stacks
      </p>
    </section>
  );
}
