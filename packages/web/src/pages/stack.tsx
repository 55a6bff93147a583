// One stack: actions, drift and heals, containers, images (updates, newer
// versions), uptime checks, Compose files, environment (masked), history and logs.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { Link, useLocation } from "wouter";
import { api } from "../api/client.js";
import type { ContainerStatus, StackView, UpdateView } from "../api/types.js";
import { CodeBlock } from "../components/code-block.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { StackImages } from "../components/image-updates.js";
import { LogViewer } from "../components/log-viewer.js";
import { ReconcileFacts, Standing } from "../components/reconcile.js";
import { StackDiff } from "../components/stack-diff.js";
import { Badge, Commit, ErrorBox, Section } from "../components/status.js";
import { UpdateList } from "../components/update-list.js";
import { UptimeChecks } from "../components/uptime-checks.js";

const ACTIONS = ["deploy", "restart", "stop", "start", "pull"] as const;
const ShellPanel = lazy(() => import("../components/shell-panel.js"));

interface Spec {
  description?: string;
  composeFiles?: string[];
  /** The rendered .env, secrets masked by core. */
  environment?: string;
}

export function StackPage({ name }: { name: string }) {
  const [shell, setShell] = useState<string | null>(null);
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const path = `/api/stacks/${encodeURIComponent(name)}`;
  const stack = useQuery({ queryKey: ["stack", name], queryFn: () => api<StackView>(path), refetchInterval: 5000 });
  const status = useQuery({
    queryKey: ["stack-status", name],
    queryFn: () => api<{ containers: ContainerStatus[] }>(`${path}/status`),
    refetchInterval: 10_000,
    retry: false,
  });
  const files = useQuery({
    queryKey: ["stack-files", name],
    queryFn: () => api<{ commit: string | null; files: Array<{ path: string; text: string }> }>(`${path}/files`),
  });
  const history = useQuery({
    queryKey: ["updates", name],
    queryFn: () => api<UpdateView[]>(`/api/updates?target=${encodeURIComponent(name)}&limit=20`),
    refetchInterval: 10_000,
  });
  const action = useMutation({
    mutationFn: (verb: (typeof ACTIONS)[number]) => api<{ updateId: string }>(`${path}/${verb}`, { method: "POST" }),
    onSuccess: ({ updateId }) => {
      navigate(`/updates/${updateId}`);
      return client.invalidateQueries({ queryKey: ["stack", name] });
    },
  });
  const s = stack.data;
  // What this user may do here: core says it per stack (role and user groups).
  const canOperate = s?.access?.execute ?? false;
  const canShell = s?.access?.terminal ?? false;
  const canLogs = s?.access?.logs ?? false;
  const spec = (s?.spec ?? {}) as Spec;
  return (
    <>
      <section className="panel">
        <header>
          <h1>
            {name} {s ? <Badge value={s.state} /> : null}
          </h1>
          {canOperate ? (
            <div className="actions">
              {ACTIONS.map((verb) => (
                <ConfirmButton
                  key={verb}
                  label={verb[0]?.toUpperCase() + verb.slice(1)}
                  question={`${verb} ${name}?`}
                  danger={verb === "stop"}
                  details={verb === "deploy" ? <StackDiff stack={name} /> : undefined}
                  busy={action.isPending}
                  onConfirm={() => action.mutate(verb)}
                />
              ))}
            </div>
          ) : null}
        </header>
        <ErrorBox error={stack.error ?? action.error} />
        {s ? (
          <dl className="facts">
            <dt>Server</dt>
            <dd>{s.server}</dd>
            <dt>Project</dt>
            <dd>{s.project}</dd>
            <dt>Deployed commit</dt>
            <dd>
              <Commit sha={s.deployedCommit} />
            </dd>
            <dt>In sync with Git</dt>
            <dd>
              <Standing stack={s} />
            </dd>
            <dt>Stopped on purpose</dt>
            <dd>{s.stopped ? "yes" : "no"}</dd>
            {spec.description ? (
              <>
                <dt>Description</dt>
                <dd>{spec.description}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
        {s ? <ReconcileFacts stack={s} /> : null}
      </section>
      <Section title="Containers">
        <ErrorBox error={status.error} />
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Service</th>
                <th>State</th>
                <th>Health</th>
                <th>Image</th>
                <th>Restarts</th>
                {canShell ? <th>Shell</th> : null}
              </tr>
            </thead>
            <tbody>
              {(status.data?.containers ?? []).map((c) => (
                <tr key={c.id}>
                  <td>{c.service}</td>
                  <td>
                    <Badge
                      value={c.state === "exited" && c.exitCode !== 0 ? "failed" : c.state}
                      label={c.state === "exited" ? `exited (${c.exitCode})` : c.state}
                    />
                  </td>
                  <td>
                    {c.health === "none" ? (
                      "–"
                    ) : (
                      <Badge value={c.health === "healthy" ? "ok" : c.health} label={c.health} />
                    )}
                  </td>
                  <td>
                    <code>{c.image}</code>
                  </td>
                  <td>{c.restartCount}</td>
                  {canShell ? (
                    <td>
                      {c.state === "running" ? (
                        <button type="button" onClick={() => setShell(c.service)} aria-label={`shell in ${c.service}`}>
                          Shell
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      {shell ? (
        <Suspense fallback={<p className="muted">Opening a shell…</p>}>
          <ShellPanel stack={name} service={shell} onClose={() => setShell(null)} />
        </Suspense>
      ) : null}
      <StackImages stack={name} canOperate={canOperate} />
      <UptimeChecks stack={name} />
      <div className="columns">
        <Section title="Compose files">
          {files.data?.commit ? (
            <p className="muted">
              at <Commit sha={files.data.commit} />
            </p>
          ) : null}
          {(files.data?.files ?? []).map((f) => (
            <details key={f.path} open>
              <summary>{f.path}</summary>
              <CodeBlock className="code">{f.text}</CodeBlock>
            </details>
          ))}
        </Section>
        <Section title="Environment">
          {spec.environment ? (
            <CodeBlock className="code">{spec.environment}</CodeBlock>
          ) : (
            <p className="muted">No environment.</p>
          )}
        </Section>
      </div>
      <Section title="Logs" actions={<Link href={`/logs?stack=${encodeURIComponent(name)}`}>search its logs</Link>}>
        {canLogs ? <LogViewer stack={name} /> : <p className="muted">You may not read this stack's logs.</p>}
      </Section>
      <Section title="History">
        <UpdateList updates={history.data ?? []} />
      </Section>
    </>
  );
}
