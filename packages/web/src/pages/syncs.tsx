// Syncs: last commit and status, errors of an invalid commit at their file
// and line, the pending plan as a readable diff, and "Run sync".
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.js";
import type { PlanReply, SyncView } from "../api/types.js";
import { useCan } from "../auth/session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { StackDiff } from "../components/stack-diff.js";
import { age, Badge, Commit, ErrorBox } from "../components/status.js";

const SIGN: Record<string, string> = { create: "+", update: "~", delete: "−" };

/** A deploy's diff, read only once someone opens it (a plan may hold many). */
function WhatChanges({ stack, to }: { stack: string; to: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="plan-diff" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>What changes</summary>
      {open ? <StackDiff stack={stack} to={to} /> : null}
    </details>
  );
}

function PlanView({ name }: { name: string }) {
  const plan = useQuery({
    queryKey: ["plan", name],
    queryFn: () => api<PlanReply>(`/api/syncs/${encodeURIComponent(name)}/plan`),
  });
  const p = plan.data?.plan;
  if (!p) return null;
  return (
    <section className="plan" aria-label={`pending plan of ${name}`}>
      <h3>Pending plan</h3>
      <ul className="diff">
        {p.resources.map((r) => (
          <li key={`${r.kind}/${r.name}`} className={`diff-${r.action}`}>
            {SIGN[r.action] ?? "·"} {r.kind} {r.name}
          </li>
        ))}
      </ul>
      <h4>Deploys</h4>
      {p.deploys.length === 0 ? <p className="muted">No stack would deploy.</p> : null}
      <ul className="list">
        {p.deploys.map((d) => (
          <li key={d.stack}>
            <strong>{d.stack}</strong> → {d.server} <span className="muted">(wave {d.wave})</span>:{" "}
            {d.reasons.join("; ")}
            <WhatChanges stack={d.stack} to={plan.data?.commit ?? null} />
          </li>
        ))}
        {p.pending.map((d) => (
          <li key={d.stack}>
            <strong>{d.stack}</strong> waits for a manual deploy (deploy_on_push = false)
          </li>
        ))}
        {p.skipped.map((d) => (
          <li key={d.stack}>
            <strong>{d.stack}</strong> skipped: {d.reason}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SyncsPage() {
  const client = useQueryClient();
  const canOperate = useCan("operator");
  const syncs = useQuery({ queryKey: ["syncs"], queryFn: () => api<SyncView[]>("/api/syncs"), refetchInterval: 5000 });
  const run = useMutation({
    mutationFn: (name: string) =>
      api<{ status: string }>(`/api/syncs/${encodeURIComponent(name)}/run`, { method: "POST" }),
    onSettled: () => client.invalidateQueries(),
  });
  return (
    <>
      <ErrorBox error={syncs.error ?? run.error} />
      {(syncs.data ?? []).map((sync) => (
        <section className="panel" key={sync.name} aria-label={`sync ${sync.name}`}>
          <header>
            <h2>
              {sync.name} <Badge value={sync.status} />
            </h2>
            {canOperate ? (
              <ConfirmButton
                label="Run sync"
                question={`Apply ${sync.branch} of ${sync.name} now?`}
                busy={run.isPending}
                onConfirm={() => run.mutate(sync.name)}
              />
            ) : null}
          </header>
          <dl className="facts">
            <dt>Repository</dt>
            <dd>
              <code>{sync.repoUrl}</code> ({sync.branch}, {sync.paths.join(", ") || "paths its resource syncs name"})
            </dd>
            <dt>Last commit seen</dt>
            <dd>
              <Commit sha={sync.headCommit} /> <span className="muted">checked {age(sync.checkedAt)}</span>
            </dd>
            <dt>Applied</dt>
            <dd>
              <Commit sha={sync.appliedCommit} />
            </dd>
            <dt>Managed</dt>
            <dd>{sync.managed ? "yes: pushes apply by themselves" : "no: plans wait for Run sync"}</dd>
          </dl>
          {sync.errors.length > 0 ? (
            <div className="error" role="alert">
              <p>This commit is invalid; nothing was applied:</p>
              <ul>
                {sync.errors.map((e) => (
                  <li key={`${e.file}:${e.line}:${e.code}`}>
                    <code>
                      {e.file}:{e.line}:{e.column}
                    </code>{" "}
                    <code>{e.code}</code> {e.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {sync.status === "pending" ? <PlanView name={sync.name} /> : null}
        </section>
      ))}
    </>
  );
}
