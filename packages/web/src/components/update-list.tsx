// Update records (deploys, actions, syncs) as a list linking to each one's log.
import { Link } from "wouter";
import type { UpdateView } from "../api/types.js";
import { age, Badge } from "./status.js";

export function UpdateList({ updates }: { updates: UpdateView[] }) {
  if (updates.length === 0) return <p className="muted">No updates yet.</p>;
  return (
    <ul className="list">
      {updates.map((u) => (
        <li key={u.id}>
          <Badge value={u.status} />{" "}
          <Link href={`/updates/${u.id}`}>
            {u.operation} {u.targetName}
          </Link>{" "}
          <span className="muted">
            by {u.actor} ({u.trigger}) · {age(u.createdAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}
