// Alerts as a compact list.
import type { AlertView } from "../api/types.js";
import { age, Badge } from "./status.js";

export function AlertList({ alerts }: { alerts: AlertView[] }) {
  if (alerts.length === 0) return <p className="muted">No alerts.</p>;
  return (
    <ul className="list">
      {alerts.map((alert) => (
        <li key={alert.id}>
          <Badge
            value={alert.status === "open" ? alert.severity : "resolved"}
            label={alert.status === "open" ? alert.severity : "resolved"}
          />{" "}
          <strong>{alert.type}</strong> {alert.message}{" "}
          <span className="muted">
            {age(alert.openedAt)}
            {alert.suppressed ? " · maintenance (not sent)" : ""}
          </span>
        </li>
      ))}
    </ul>
  );
}
