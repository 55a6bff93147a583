// Alerts and updates, each a filterable list.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.js";
import type { AlertView, UpdateView } from "../api/types.js";
import { AlertList } from "../components/alert-list.js";
import { ErrorBox, Section } from "../components/status.js";
import { UpdateList } from "../components/update-list.js";

export function AlertsPage() {
  const [status, setStatus] = useState("open");
  const [type, setType] = useState("");
  const alerts = useQuery({
    queryKey: ["alerts", status, type],
    queryFn: () => api<AlertView[]>(`/api/alerts?status=${status}${type ? `&type=${type}` : ""}&limit=200`),
    refetchInterval: 10_000,
  });
  return (
    <Section
      title="Alerts"
      actions={
        <div className="filters">
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
            <option value="all">all</option>
          </select>
          <input
            aria-label="Type"
            placeholder="type, e.g. ServerDisk"
            value={type}
            onChange={(e) => setType(e.target.value.trim())}
          />
        </div>
      }
    >
      <ErrorBox error={alerts.error} />
      <AlertList alerts={alerts.data ?? []} />
    </Section>
  );
}

export function UpdatesPage() {
  const [target, setTarget] = useState("");
  const [operation, setOperation] = useState("");
  const updates = useQuery({
    queryKey: ["updates-all", target],
    queryFn: () => api<UpdateView[]>(`/api/updates?limit=200${target ? `&target=${encodeURIComponent(target)}` : ""}`),
    refetchInterval: 10_000,
  });
  const shown = (updates.data ?? []).filter((u) => !operation || u.operation === operation);
  return (
    <Section
      title="Updates"
      actions={
        <div className="filters">
          <input
            aria-label="Target"
            placeholder="stack or sync name"
            value={target}
            onChange={(e) => setTarget(e.target.value.trim())}
          />
          <select aria-label="Operation" value={operation} onChange={(e) => setOperation(e.target.value)}>
            <option value="">any operation</option>
            {["deploy", "sync", "stop", "start", "restart", "pull"].map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </div>
      }
    >
      <ErrorBox error={updates.error} />
      <UpdateList updates={shown} />
    </Section>
  );
}
