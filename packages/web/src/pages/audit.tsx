// The audit trail (admins): who did what, when, from where, and how it ended.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.js";
import type { AuditView } from "../api/types.js";
import { Badge, ErrorBox, Section } from "../components/status.js";

const TONES: Record<AuditView["outcome"], string> = { ok: "success", denied: "failed", failed: "failed" };

export function AuditPage() {
  const [actor, setActor] = useState("");
  const audit = useQuery({
    queryKey: ["audit", actor],
    queryFn: () => api<AuditView[]>(`/api/audit?limit=200${actor ? `&actor=${encodeURIComponent(actor)}` : ""}`),
    refetchInterval: 10_000,
  });
  return (
    <Section
      title="Audit"
      actions={
        <input aria-label="Actor" placeholder="actor" value={actor} onChange={(e) => setActor(e.target.value)} />
      }
    >
      <ErrorBox error={audit.error} />
      <div className="table-scroll">
        <table className="list-on-phone">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Target</th>
              <th>Outcome</th>
              <th>From</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data ?? []).map((row) => (
              <tr key={row.id}>
                <td>{new Date(row.at).toLocaleString()}</td>
                <td data-label="Who">{row.actor}</td>
                <td data-label="What">{row.action}</td>
                <td data-label="Target">{row.target}</td>
                <td data-label="Outcome">
                  <Badge value={TONES[row.outcome]} label={row.outcome} />
                </td>
                <td data-label="From">{row.source}</td>
                <td className="small wrap">{Object.keys(row.detail).length > 0 ? JSON.stringify(row.detail) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
