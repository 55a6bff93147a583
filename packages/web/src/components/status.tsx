// How state looks everywhere: one colour per meaning (ok, busy, warn, bad, idle).
import { type ReactNode, useId } from "react";

const TONE: Record<string, "ok" | "busy" | "warn" | "bad" | "idle"> = {
  running: "ok",
  "up-to-date": "ok",
  success: "ok",
  ok: "ok",
  reachable: "ok",
  resolved: "ok",
  sent: "ok",
  deploying: "busy",
  queued: "busy",
  pending: "busy",
  unhealthy: "warn",
  warning: "warn",
  warn: "warn",
  drifted: "warn",
  "update-available": "warn",
  "rolled back": "warn",
  held: "bad",
  invalid: "bad",
  down: "bad",
  failed: "bad",
  fail: "bad",
  critical: "bad",
  open: "bad",
  unreachable: "bad",
  stopped: "idle",
  unknown: "idle",
  never: "idle",
  disabled: "idle",
};

/** The colour a state is shown in, the same on every page. */
export function toneOf(value: string): "ok" | "busy" | "warn" | "bad" | "idle" {
  return TONE[value] ?? "idle";
}

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span className={`badge tone-${toneOf(value)}`}>{label ?? value}</span>;
}

export function UsageBar({ label, percent }: { label: string; percent: number | null | undefined }) {
  const value = percent ?? 0;
  const tone = percent === null || percent === undefined ? "idle" : value >= 90 ? "bad" : value >= 75 ? "warn" : "ok";
  return (
    <div className="usage">
      <span>{label}</span>
      <div className="bar">
        <div className={`fill tone-${tone}`} style={{ width: `${Math.min(value, 100)}%` }} />
      </div>
      <span className="num">{percent === null || percent === undefined ? "–" : `${Math.round(value)}%`}</span>
    </div>
  );
}

export function age(iso: string | null | undefined): string {
  if (!iso) return "never";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

export function Commit({ sha }: { sha: string | null | undefined }) {
  return sha ? <code title={sha}>{sha.slice(0, 7)}</code> : <span className="muted">–</span>;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as { code?: string; message?: string };
  return (
    <p className="error" role="alert">
      {e.code ? <code>{e.code}</code> : null} {e.message ?? String(error)}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const heading = useId();
  return (
    <section className="panel" aria-labelledby={heading}>
      <header>
        <h2 id={heading}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
