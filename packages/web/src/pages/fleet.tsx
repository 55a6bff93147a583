// The fleet as a picture: servers by region (rows), deploy waves (columns),
// each stack a box coloured by its state, `after` dependencies as arrows;
// every box opens its stack. It refreshes every two seconds, so a running
// sync is watched wave by wave.
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useLocation } from "wouter";
import { api } from "../api/client.js";
import type { ServerView, StackView } from "../api/types.js";
import { useSession } from "../auth/session.js";
import { ErrorBox, Section, toneOf } from "../components/status.js";
import { layoutFleet, NODE } from "../fleet/layout.js";

/** A row opens its server, or the swarms page for a swarm's stacks. */
const rowLink = (server: string) =>
  server.startsWith("swarm ") ? "/swarms" : `/servers/${encodeURIComponent(server)}`;

export function FleetPage() {
  const { me } = useSession();
  const [, navigate] = useLocation();
  const stacks = useQuery({
    queryKey: ["stacks"],
    queryFn: () => api<StackView[]>("/api/stacks"),
    refetchInterval: 2000,
  });
  const servers = useQuery({
    queryKey: ["servers"],
    queryFn: () => api<ServerView[]>("/api/servers"),
    refetchInterval: 5000,
    enabled: me !== undefined && me.role !== "user",
  });
  const layout = useMemo(
    () =>
      layoutFleet(
        (servers.data ?? []).map((s) => ({ name: s.name, region: s.region, reachable: s.reachable })),
        (stacks.data ?? []).map((s) => ({
          name: s.name,
          server: s.spec.swarm ? `swarm ${s.spec.swarm}` : s.server,
          state: s.state,
          after: s.spec.after,
        })),
      ),
    [servers.data, stacks.data],
  );
  const waveLabels = Array.from({ length: layout.waves }, (_, w) => ({
    label: `wave ${w + 1}`,
    x: NODE.label + NODE.padding + w * (NODE.width + NODE.gapX),
  }));
  const deploying = (stacks.data ?? []).filter((s) => s.state === "deploying").length;
  return (
    <Section
      title="Fleet"
      actions={
        <span className="muted small" aria-live="polite">
          {layout.stacks.length} stacks on {layout.rows.length} servers in {layout.waves} wave(s)
          {deploying > 0 ? `; ${deploying} deploying` : ""}
        </span>
      }
    >
      <ErrorBox error={stacks.error ?? servers.error} />
      <figure className="fleet-picture">
        <figcaption className="muted small">
          Servers by region (rows), their stacks by deploy wave (columns), arrows for `after`.
        </figcaption>
        <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
          <title>The fleet: servers, their stacks by deploy wave, and the after dependencies</title>
          <defs>
            <marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L8,4 L0,8 z" className="fleet-edge-head" />
            </marker>
          </defs>
          {waveLabels.map((wave) => (
            <text key={wave.label} x={wave.x} y={NODE.padding - 1} className="fleet-caption">
              {wave.label}
            </text>
          ))}
          {layout.regions.map((r) => (
            <text key={`region-${r.region}`} x={NODE.padding} y={r.y + 16} className="fleet-region">
              {r.region}
            </text>
          ))}
          {layout.rows.map((row) => (
            <g key={`row-${row.server}`}>
              <rect x={0} y={row.y - 3} width={layout.width} height={row.height} className="fleet-row" />
              <a
                href={rowLink(row.server)}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(rowLink(row.server));
                }}
              >
                <text x={NODE.padding} y={row.y + 19} className={row.reachable ? "fleet-server" : "fleet-server down"}>
                  {row.server}
                  {row.reachable ? "" : " (down)"}
                </text>
              </a>
            </g>
          ))}
          {layout.edges.map(({ from, to }) => (
            <path
              key={`${from.name}->${to.name}`}
              d={`M${from.x + NODE.width},${from.y + NODE.height / 2} C${from.x + NODE.width + NODE.gapX / 2},${from.y + NODE.height / 2} ${to.x - NODE.gapX / 2},${to.y + NODE.height / 2} ${to.x},${to.y + NODE.height / 2}`}
              className="fleet-edge"
              markerEnd="url(#arrow)"
            />
          ))}
          {layout.stacks.map((s) => (
            <a
              key={s.name}
              href={`/stacks/${encodeURIComponent(s.name)}`}
              aria-label={`${s.name}: ${s.state}`}
              onClick={(event) => {
                event.preventDefault();
                navigate(`/stacks/${encodeURIComponent(s.name)}`);
              }}
            >
              <rect
                x={s.x}
                y={s.y}
                width={NODE.width}
                height={NODE.height}
                rx={6}
                className={`fleet-node tone-${toneOf(s.state)}`}
              />
              <text x={s.x + 8} y={s.y + 19} className="fleet-label">
                {s.name.length > 20 ? `${s.name.slice(0, 19)}…` : s.name}
              </text>
            </a>
          ))}
        </svg>
      </figure>
    </Section>
  );
}
