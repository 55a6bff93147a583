// Servers: the list, and one server's facts, charts, containers and stacks.
import { useMutation, useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useMemo, useState } from "react";
import { Link, useLocation } from "wouter";
import { api } from "../api/client.js";
import type { AgentBuildView, ServerView, StackView, StatsView } from "../api/types.js";
import { useSession } from "../auth/session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { age, Badge, ErrorBox, Section } from "../components/status.js";

// uPlot loads only on a server page: the dashboard stays small.
const TimeChart = lazy(() => import("../charts/time-chart.js").then((m) => ({ default: m.TimeChart })));

const PERCENT: [number, number] = [0, 100];
const RANGES = { "1 h": 3600, "24 h": 86_400, "7 d": 7 * 86_400, "30 d": 30 * 86_400 } as const;

/** The agent version core offers (its build), when it offers one. */
function useOfferedAgent(): string | undefined {
  const build = useQuery({
    queryKey: ["agent-build"],
    queryFn: () => api<AgentBuildView>("/api/agent/build"),
    retry: false,
    staleTime: 300_000,
  });
  return build.data?.version;
}

/** The agent's version; "upgrade" when it is not the one core offers. */
function AgentVersion({ server, offered }: { server: ServerView; offered: string | undefined }) {
  const behind = offered !== undefined && server.agentVersion !== null && server.agentVersion !== offered;
  return (
    <>
      {server.agentVersion ?? "–"} {behind ? <Badge value="update-available" label={`${offered} offered`} /> : null}
    </>
  );
}

/** Admins: upgrade this server's agent to the build core offers (a rolling upgrade of one host). */
function UpgradeAgent({ server, offered }: { server: ServerView; offered: string | undefined }) {
  const { me } = useSession();
  const [, navigate] = useLocation();
  const upgrade = useMutation({
    mutationFn: () =>
      api<{ updateId: string }>("/api/agent/upgrade", { method: "POST", body: { servers: [server.name] } }),
    onSuccess: ({ updateId }) => navigate(`/updates/${updateId}`),
  });
  if (me?.role !== "admin" || !offered || !server.agentVersion || server.agentVersion === offered) return null;
  return (
    <>
      <ErrorBox error={upgrade.error} />
      <ConfirmButton
        label="Upgrade agent"
        question={`Upgrade ${server.name}'s agent from ${server.agentVersion} to ${offered}? Its deploys wait meanwhile.`}
        busy={upgrade.isPending}
        onConfirm={() => upgrade.mutate()}
      />
    </>
  );
}

export function ServersPage() {
  const offered = useOfferedAgent();
  const servers = useQuery({
    queryKey: ["servers"],
    queryFn: () => api<ServerView[]>("/api/servers"),
    refetchInterval: 10_000,
  });
  return (
    <section className="panel">
      <header>
        <h2>Servers</h2>
      </header>
      <ErrorBox error={servers.error} />
      <div className="table-scroll">
        <table className="list-on-phone">
          <thead>
            <tr>
              <th>Server</th>
              <th>Region</th>
              <th>State</th>
              <th>Agent</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {(servers.data ?? []).map((s) => (
              <tr key={s.name}>
                <td>
                  <Link href={`/servers/${encodeURIComponent(s.name)}`}>{s.name}</Link>
                </td>
                <td data-label="Region">{s.region || "–"}</td>
                <td data-label="State">
                  <Badge value={!s.enabled ? "disabled" : s.reachable ? "reachable" : "unreachable"} />
                </td>
                <td data-label="Agent">
                  <AgentVersion server={s} offered={offered} />
                </td>
                <td data-label="Last seen">{age(s.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function bytes(value: number | null): string {
  if (value === null) return "–";
  if (value < 2 ** 20) return `${(value / 2 ** 10).toFixed(0)} KiB`;
  if (value < 2 ** 30) return `${(value / 2 ** 20).toFixed(1)} MiB`;
  return `${(value / 2 ** 30).toFixed(2)} GiB`;
}

const percentOf = (used: Array<number | null> = [], total: Array<number | null> = []) =>
  used.map((u, i) => (u === null || !total[i] ? null : (u / (total[i] as number)) * 100));

export function ServerPage({ name }: { name: string }) {
  const [range, setRange] = useState<keyof typeof RANGES>("1 h");
  const offered = useOfferedAgent();
  const servers = useQuery({ queryKey: ["servers"], queryFn: () => api<ServerView[]>("/api/servers") });
  const stacks = useQuery({ queryKey: ["stacks"], queryFn: () => api<StackView[]>("/api/stacks") });
  const base = `/api/servers/${encodeURIComponent(name)}/stats`;
  const stats = useQuery({
    queryKey: ["stats", name, range],
    queryFn: () => api<StatsView>(`${base}?from=${Math.floor(Date.now() / 1000) - RANGES[range]}`),
    refetchInterval: 30_000,
  });
  const containers = useQuery({
    queryKey: ["container-stats", name],
    queryFn: () => api<StatsView>(`${base}?series=containers&from=${Math.floor(Date.now() / 1000) - 600}`),
    refetchInterval: 30_000,
  });
  const server = servers.data?.find((s) => s.name === name);
  const s = stats.data?.series ?? {};
  const charts = useMemo(() => {
    const disks = Object.keys(s).filter((k) => k.startsWith("disk:") && k.endsWith(".used"));
    return [
      { title: "CPU", series: [{ label: "CPU", values: s.cpu?.avg ?? [], color: "#2f6fdf" }] },
      {
        title: "Memory",
        series: [{ label: "memory", values: percentOf(s["mem.used"]?.avg, s["mem.total"]?.avg), color: "#8a3ffc" }],
      },
      {
        title: "Disks",
        series: disks.map((k, i) => ({
          label: k.slice(5, -5),
          values: percentOf(s[k]?.avg, s[k.replace(/\.used$/, ".total")]?.avg),
          color: ["#e0700f", "#198038", "#9f1853"][i % 3] as string,
        })),
      },
    ];
  }, [s]);
  const usage = Object.entries(containers.data?.series ?? {})
    .filter(([k]) => k.endsWith(".cpu"))
    .map(([k, v]) => {
      const id = k.slice(2, -4);
      const last = (values: Array<number | null> = []) => [...values].reverse().find((x) => x !== null) ?? null;
      return { id, cpu: last(v.avg), mem: last(containers.data?.series[`c:${id}.mem`]?.avg) };
    });
  return (
    <>
      <section className="panel">
        <header>
          <h1>
            {name} {server ? <Badge value={server.reachable ? "reachable" : "unreachable"} /> : null}
          </h1>
          <Link href={`/logs?server=${encodeURIComponent(name)}`}>its logs</Link>
        </header>
        {server ? (
          <dl className="facts">
            <dt>Address</dt>
            <dd>
              {server.connection === "outbound" ? (
                "none: its agent dials core (outbound)"
              ) : (
                <code>{server.address}</code>
              )}
            </dd>
            <dt>Region</dt>
            <dd>{server.region || "–"}</dd>
            <dt>Agent version</dt>
            <dd>
              <AgentVersion server={server} offered={offered} /> <UpgradeAgent server={server} offered={offered} />
            </dd>
            <dt>Last seen</dt>
            <dd>{age(server.lastSeen)}</dd>
            {server.lastError ? (
              <>
                <dt>Last error</dt>
                <dd className="error">{server.lastError}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
      </section>
      <Section
        title="Metrics"
        actions={
          <div className="segmented">
            {Object.keys(RANGES).map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={range === r}
                onClick={() => setRange(r as keyof typeof RANGES)}
              >
                {r}
              </button>
            ))}
          </div>
        }
      >
        <ErrorBox error={stats.error} />
        <p className="muted">resolution: {stats.data?.resolution ?? "…"}</p>
        <Suspense fallback={<p className="muted">Loading charts…</p>}>
          <div className="charts">
            {charts.map((c) => (
              <TimeChart
                key={c.title}
                title={c.title}
                unit="%"
                range={PERCENT}
                timestamps={stats.data?.timestamps ?? []}
                series={c.series}
              />
            ))}
          </div>
        </Suspense>
      </Section>
      <div className="columns">
        <Section title="Containers (last sample)">
          <ul className="list">
            {usage.map((c) => (
              <li key={c.id}>
                <code>{c.id}</code> CPU {c.cpu?.toFixed(1) ?? "–"}% · memory {bytes(c.mem)}
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Stacks">
          <ul className="list">
            {(stacks.data ?? [])
              .filter((st) => st.server === name)
              .map((st) => (
                <li key={st.name}>
                  <Badge value={st.state} /> <Link href={`/stacks/${encodeURIComponent(st.name)}`}>{st.name}</Link>
                </li>
              ))}
          </ul>
        </Section>
      </div>
    </>
  );
}
