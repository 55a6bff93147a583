// A stack's uptime checks: each one's last result and uptime over 24 h, 7 d
// and 30 d, and their latency over the last 24 h.
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { api } from "../api/client.js";
import type { StackChecksView } from "../api/types.js";
import { Badge, ErrorBox, Section } from "./status.js";

const TimeChart = lazy(() => import("../charts/time-chart.js").then((m) => ({ default: m.TimeChart })));
const COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626"];

const percent = (value: number | null) => (value === null ? "–" : `${value.toFixed(value === 100 ? 0 : 2)}%`);

export function UptimeChecks({ stack }: { stack: string }) {
  const query = useQuery({
    queryKey: ["stack-checks", stack],
    queryFn: () => api<StackChecksView>(`/api/stacks/${encodeURIComponent(stack)}/checks`),
    refetchInterval: 15_000,
  });
  const data = query.data;
  if (data && data.checks.length === 0) return null;
  return (
    <Section title="Uptime checks">
      <ErrorBox error={query.error} />
      <div className="table-scroll">
        <table aria-label="uptime checks">
          <thead>
            <tr>
              <th>Check</th>
              <th>24 h</th>
              <th>7 d</th>
              <th>30 d</th>
              <th>Last</th>
              <th>Target</th>
            </tr>
          </thead>
          <tbody>
            {(data?.checks ?? []).map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>{percent(c.uptime.day)}</td>
                <td>{percent(c.uptime.week)}</td>
                <td>{percent(c.uptime.month)}</td>
                <td>
                  {c.last ? (
                    <Badge value={c.last.ok ? "ok" : "failed"} label={`${c.last.detail} · ${c.last.latencyMs} ms`} />
                  ) : (
                    <span className="muted">not run yet</span>
                  )}
                </td>
                <td>
                  <code>{c.target}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.latency.timestamps.length > 1 ? (
        <Suspense fallback={<p className="muted">Loading chart…</p>}>
          <TimeChart
            title="Latency, last 24 h"
            unit=" ms"
            timestamps={data.latency.timestamps}
            series={Object.entries(data.latency.series).map(([label, values], i) => ({
              label,
              values,
              color: COLORS[i % COLORS.length] ?? "#2563eb",
            }))}
          />
        </Suspense>
      ) : null}
    </Section>
  );
}
