// How a stack stands against what Tugboat deployed and what Git says: drift,
// a rolled-back (quarantined) version, self-heal held for a person.
import type { StackView } from "../api/types.js";
import { Badge, Commit } from "./status.js";

/** The stack list's "In sync" cell: badges for what needs a look, "yes" when nothing does. */
export function Standing({ stack }: { stack: StackView }) {
  const badges = [
    stack.drift ? <Badge key="drift" value="drifted" /> : null,
    stack.quarantine ? (
      <Badge
        key="q"
        value="rolled back"
        label={stack.quarantine.rolledBackTo ? "rolled back" : "failed version held"}
      />
    ) : null,
    stack.healHold ? <Badge key="hold" value="held" label="held for a person" /> : null,
  ].filter(Boolean);
  if (badges.length > 0) return <>{badges}</>;
  return stack.deployedFingerprint === stack.desiredFingerprint ? <>yes</> : <Badge value="pending" label="changed" />;
}

/** The stack page's account of drift, heals and quarantine, with the settings that apply. */
export function ReconcileFacts({ stack }: { stack: StackView }) {
  const { reconcile } = stack.spec;
  return (
    <>
      {stack.drift ? (
        <div className="notice warn" role="status">
          <strong>Drifted from what Tugboat deployed</strong>
          <ul>
            {stack.drift.map((d) => (
              <li key={`${d.kind}:${d.service}`}>{d.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {stack.quarantine ? (
        <div className="notice warn" role="status">
          <strong>
            {stack.quarantine.rolledBackTo ? "Rolled back, out of sync with Git" : "A failed version is held back"}
          </strong>
          <p>
            <Commit sha={stack.quarantine.commit} /> is not deployed again until a new push or a manual deploy:{" "}
            {stack.quarantine.reason}
          </p>
        </div>
      ) : null}
      {stack.healHold ? (
        <div className="notice bad" role="alert">
          <strong>Self-heal is held for a person</strong>
          <p>{stack.healHold}</p>
        </div>
      ) : null}
      <p className="muted">
        Self-heal {reconcile.selfHeal ? "on" : "off"} · automatic rollback {reconcile.autoRollback ? "on" : "off"} ·{" "}
        {stack.heals.length} of {reconcile.healBudget} heals used in the last {reconcile.healWindowMinutes} minutes
      </p>
    </>
  );
}
