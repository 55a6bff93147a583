// The fleet at a glance: a card per server, totals, open alerts, last updates.
import { useQuery } from "@tanstack/react-query";
import { memo, useDeferredValue, useState } from "react";
import { Link } from "wouter";
import { api } from "../api/client.js";
import type { Dashboard, DashboardServer } from "../api/types.js";
import { AlertList } from "../components/alert-list.js";
import { FleetImageCheck, useImages } from "../components/image-updates.js";
import { Badge, ErrorBox, Section, UsageBar } from "../components/status.js";
import { UpdateList } from "../components/update-list.js";

const STATES = ["running", "deploying", "unhealthy", "down", "stopped", "unknown"] as const;

/** A select of the values present ("all" first); hidden when there are none. */
function ChoiceFilter(props: { label: string; choices: string[]; value: string; onChange: (value: string) => void }) {
  if (props.choices.length === 0) return null;
  return (
    <label className="inline">
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">all</option>
        {props.choices.map((choice) => (
          <option key={choice}>{choice}</option>
        ))}
      </select>
    </label>
  );
}

/** Memo: what else renders the page again (the image checks' answer, a filter's menu) leaves the cards alone. */
const ServerCard = memo(function ServerCard({
  server,
  imageUpdates,
}: {
  server: DashboardServer;
  imageUpdates: number;
}) {
  const state = !server.enabled ? "disabled" : server.reachable ? "reachable" : "unreachable";
  return (
    <article className="card" aria-label={`server ${server.name}`}>
      <header>
        <Link href={`/servers/${encodeURIComponent(server.name)}`}>
          <h3>{server.name}</h3>
        </Link>
        <Badge value={state} />
      </header>
      {server.region || server.tags.length > 0 ? (
        <p className="muted">{[server.region, ...server.tags.map((t) => `#${t}`)].filter(Boolean).join(" ")}</p>
      ) : null}
      <UsageBar label="CPU" percent={server.stats?.cpu} />
      <UsageBar label="Memory" percent={server.stats?.memory} />
      <UsageBar label="Disk" percent={server.stats?.disk} />
      <p className="counts">
        {STATES.filter((s) => server.stacks[s]).map((s) => (
          <Badge key={s} value={s} label={`${server.stacks[s]} ${s}`} />
        ))}
        {Object.keys(server.stacks).length === 0 ? <span className="muted">no stacks</span> : null}
        {imageUpdates > 0 ? <Badge value="update-available" label={`${imageUpdates} with image updates`} /> : null}
      </p>
      {!server.reachable && server.lastError ? <p className="error small">{server.lastError}</p> : null}
    </article>
  );
});

/** More than a screen of cards: the first ones show at once. */
const FIRST_CARDS = 60;

/**
 * The server cards: the first screen's at once, the rest in a render React may interrupt
 * (a deferred value starts at its initial value on mount). At 500 servers, making every
 * card before the first paint took about 300 ms; cards off screen are not laid out either
 * (styles.css: content-visibility).
 */
function ServerCards({ servers, updates }: { servers: DashboardServer[]; updates: Map<string, Set<string>> }) {
  const shown = useDeferredValue(servers.length, Math.min(servers.length, FIRST_CARDS));
  return (
    <div className="cards">
      {servers.slice(0, shown).map((server) => (
        <ServerCard key={server.name} server={server} imageUpdates={updates.get(server.name)?.size ?? 0} />
      ))}
    </div>
  );
}

/** The dashboard's data; main.tsx asks for it at once when the page opens on the dashboard. */
export const dashboardQuery = { queryKey: ["dashboard"], queryFn: () => api<Dashboard>("/api/dashboard") };

export function DashboardPage() {
  const query = useQuery({ ...dashboardQuery, refetchInterval: 10_000 });
  const [region, setRegion] = useState("");
  const [tag, setTag] = useState("");
  const images = useImages();
  // Per server: how many of its stacks have a service with a newer image.
  const withUpdates = new Map<string, Set<string>>();
  for (const row of images.data?.images ?? [])
    if (row.status === "update-available")
      withUpdates.set(row.server, (withUpdates.get(row.server) ?? new Set()).add(row.stack));
  const data = query.data;
  const regions = [...new Set(data?.servers.map((s) => s.region).filter(Boolean))].sort();
  const tags = [...new Set(data?.servers.flatMap((s) => s.tags))].sort();
  const servers = data?.servers.filter((s) => (!region || s.region === region) && (!tag || s.tags.includes(tag))) ?? [];
  return (
    <>
      <ErrorBox error={query.error} />
      {data ? (
        <section className="totals" aria-label="Fleet totals">
          <div>
            <strong>
              {data.totals.reachable}/{data.totals.servers}
            </strong>
            <span>servers reachable</span>
          </div>
          <div>
            <strong>{data.totals.stacks}</strong>
            <span>stacks</span>
          </div>
          {STATES.filter((s) => data.totals.byState[s]).map((s) => (
            <div key={s}>
              <strong>{data.totals.byState[s]}</strong>
              <Badge value={s} />
            </div>
          ))}
          {(
            [
              ["drifted", "drifted", data.totals.drifted],
              ["rolled back", "rolled back", data.totals.rolledBack],
              ["held", "held for a person", data.totals.held],
            ] as const
          )
            .filter(([, , count]) => count > 0)
            .map(([tone, label, count]) => (
              <div key={tone}>
                <strong>{count}</strong>
                <Badge value={tone} label={label} />
              </div>
            ))}
          {images.data && images.data.stacksWithUpdates.length > 0 ? (
            <div>
              <strong>{images.data.stacksWithUpdates.length}</strong>
              <Badge value="update-available" label="with image updates" />
            </div>
          ) : null}
          <div>
            <strong>{data.alerts.length}</strong>
            <span>open alerts</span>
          </div>
        </section>
      ) : null}
      <Section
        title="Servers"
        actions={
          <div className="filters">
            <ChoiceFilter label="Region" choices={regions} value={region} onChange={setRegion} />
            <ChoiceFilter label="Tag" choices={tags} value={tag} onChange={setTag} />
            <FleetImageCheck />
          </div>
        }
      >
        {query.isPending ? <p className="muted">Loading…</p> : null}
        {data ? <ServerCards servers={servers} updates={withUpdates} /> : null}
      </Section>
      <div className="columns">
        <Section title="Open alerts">
          <AlertList alerts={data?.alerts ?? []} />
        </Section>
        <Section title="Last updates">
          <UpdateList updates={data?.updates ?? []} />
        </Section>
      </div>
    </>
  );
}
