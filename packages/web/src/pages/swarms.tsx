// Swarms: each declared swarm's health, and its nodes, services, tasks that
// are not running, networks, and what the last sync applied to it.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client.js";
import type { SwarmDetailView, SwarmListItemView } from "../api/types.js";
import { age, Badge, ErrorBox, Section } from "../components/status.js";

function Table({ head, rows, label }: { head: string[]; rows: Array<Array<React.ReactNode>>; label: string }) {
  if (rows.length === 0) return <p className="muted">None.</p>;
  return (
    <div className="table-scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their order here
            <tr key={i}>
              {row.map((cell, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SwarmPanel({ item }: { item: SwarmListItemView }) {
  const detail = useQuery({
    queryKey: ["swarm", item.name],
    queryFn: () => api<SwarmDetailView>(`/api/swarms/${encodeURIComponent(item.name)}`),
    refetchInterval: 10_000,
  });
  const swarm = detail.data;
  const state = swarm?.state;
  const stuck = (state?.tasks ?? []).filter((t) => t.desiredState === "running" && t.state !== "running");
  const applied = swarm?.applied;
  return (
    <section className="panel" aria-label={`swarm ${item.name}`}>
      <header>
        <h2>
          {item.name} <Badge value={item.health} />
        </h2>
        <span className="muted">
          manager {item.manager || "none answers"} · checked {age(item.checkedAt)}
          {item.links.map((link) => (
            <a key={link} href={link} rel="noreferrer" target="_blank">
              {" "}
              {link}
            </a>
          ))}
        </span>
      </header>
      <ErrorBox error={detail.error} />
      {item.error ? <p className="error">{item.error}</p> : null}
      {(swarm?.problems ?? []).length > 0 ? (
        <ul className="list">
          {swarm?.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      <Section title="Nodes">
        <Table
          label={`nodes of ${item.name}`}
          head={["Node", "Role", "Availability", "Status", "Labels", "Engine"]}
          rows={(state?.nodes ?? []).map((n) => [
            n.hostname,
            n.leader ? "manager (leader)" : n.role,
            n.availability,
            <Badge key="s" value={n.status} />,
            Object.entries(n.labels)
              .filter(([k]) => k !== "tugboat.labels")
              .map(([k, v]) => `${k}=${v}`)
              .join(", ") || "–",
            n.engineVersion,
          ])}
        />
      </Section>
      <Section title="Services">
        <Table
          label={`services of ${item.name}`}
          head={["Service", "Mode", "Tasks", "Update", "Image"]}
          rows={(state?.services ?? []).map((s) => [
            s.name,
            s.mode,
            s.mode.endsWith("-job") ? `${s.completed}/${s.desired} completed` : `${s.running}/${s.desired} running`,
            s.updateState || "–",
            s.image,
          ])}
        />
      </Section>
      <Section title="Tasks not running">
        <Table
          label={`tasks not running in ${item.name}`}
          head={["Service", "Node", "State", "Error"]}
          rows={stuck.map((t) => [
            `${t.service}.${t.slot || t.nodeId.slice(0, 6)}`,
            t.node || "–",
            t.state,
            t.error || t.message,
          ])}
        />
      </Section>
      <Section title="Networks">
        <Table
          label={`networks of ${item.name}`}
          head={["Network", "Driver", "Scope", "Subnet", "From Git"]}
          rows={(state?.networks ?? [])
            .filter((n) => n.scope === "swarm" || n.declared)
            .map((n) => [n.name, n.driver, n.scope, n.subnet || "–", n.declared ? "yes" : "no"])}
        />
      </Section>
      {applied ? (
        <Section title={`Applied by the last sync (${age(applied.at)})`}>
          <ul className="list">
            {applied.networks
              .filter((n) => n.outcome !== "exists")
              .map((n) => (
                <li key={`${n.where}/${n.name}`}>
                  network {n.name} on {n.where}: {n.outcome}
                  {n.detail ? ` (${n.detail})` : ""}
                </li>
              ))}
            {(applied.labels?.nodes ?? [])
              .filter((n) => n.extra.length > 0)
              .map((n) => (
                <li key={n.node}>
                  node {n.node} has labels Git does not declare: {n.extra.join(", ")}
                </li>
              ))}
            {applied.errors.map((e) => (
              <li key={e} className="error">
                {e}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </section>
  );
}

export function SwarmsPage() {
  const swarms = useQuery({
    queryKey: ["swarms"],
    queryFn: () => api<SwarmListItemView[]>("/api/swarms"),
    refetchInterval: 10_000,
  });
  return (
    <>
      <ErrorBox error={swarms.error} />
      {swarms.data?.length === 0 ? <p className="muted">No [[swarm]] is declared.</p> : null}
      {(swarms.data ?? []).map((item) => (
        <SwarmPanel key={item.name} item={item} />
      ))}
    </>
  );
}
