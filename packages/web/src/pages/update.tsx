// The deploy view: an update's steps and output live as it runs, then its
// result. The URL can be shared: it replays what is stored, then follows.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "wouter";
import { api, streamEvents } from "../api/client.js";
import type { StreamEvent, UpdateView } from "../api/types.js";
import { CodeBlock } from "../components/code-block.js";
import { StackDiff } from "../components/stack-diff.js";
import { age, Badge, Commit, ErrorBox, Section } from "../components/status.js";

/** How often the record is read again while the update has not ended. */
const RECORD_POLL_MS = 5000;

interface Result {
  error?: { code: string; message: string };
  failures?: Array<{ service: string; reason: string; logs: string[] }>;
  steps?: Array<{ step: string; durationMs: number; exitCode: number | null }>;
  errors?: Array<{ file: string; line: number; code: string; message: string }>;
}

/** The diff of a deploy: from the commit the stack ran before it (its previous successful deploy) to its own. */
function ChangedBy({ update }: { update: UpdateView }) {
  const history = useQuery({
    queryKey: ["updates", update.targetName, "diff-base"],
    queryFn: () => api<UpdateView[]>(`/api/updates?target=${encodeURIComponent(update.targetName)}&limit=200`),
  });
  if (!history.data) return <p className="muted">Reading the history…</p>;
  const previous = history.data.find(
    (u) =>
      u.operation === "deploy" &&
      u.status === "success" &&
      u.commit !== null &&
      u.createdAt < update.createdAt &&
      u.id !== update.id,
  );
  return <StackDiff stack={update.targetName} from={previous?.commit ?? null} to={update.commit} />;
}

export function UpdatePage({ id }: { id: string }) {
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [ended, setEnded] = useState<string | undefined>();
  const [streamError, setStreamError] = useState<unknown>();
  const record = useQuery({
    queryKey: ["update", id, ended],
    queryFn: () => api<UpdateView & { events: StreamEvent[] }>(`/api/updates/${id}`),
    // The live stream says when the update ends; should it stall or drop (a proxy, core
    // restarting), the stored record still does, read again until it has ended.
    refetchInterval: (query) =>
      ended !== undefined || query.state.data?.status === "success" || query.state.data?.status === "failed"
        ? false
        : RECORD_POLL_MS,
  });

  useEffect(() => {
    const abort = new AbortController();
    setEvents([]);
    setEnded(undefined);
    streamEvents(
      `/api/updates/${id}/events`,
      ({ event, data }) => {
        if (event === "end") setEnded((data as { status: string }).status);
        else setEvents((current) => [...current, data as StreamEvent]);
      },
      abort.signal,
    ).catch(setStreamError);
    return () => abort.abort();
  }, [id]);

  const u = record.data;
  const status = ended ?? u?.status ?? "running";
  const result = (u?.result ?? undefined) as Result | undefined;
  // Both are the update's events in order: the stream's, or the record's when it holds more
  // (a stream that stalled or dropped; an event stored while the stream was opening).
  const stored = u?.events ?? [];
  const shown = stored.length > events.length ? stored : events;
  const steps = shown.filter((e) => e.type === "step");
  const logs = shown.filter((e) => e.type === "log");
  return (
    <>
      <section className="panel">
        <header>
          <h1>
            {u ? `${u.operation} ${u.targetName}` : "Update"} <Badge value={status} />
          </h1>
          {u?.targetKind === "stack" ? (
            <span className="links">
              <Link href={`/stacks/${encodeURIComponent(u.targetName)}`}>stack page</Link>{" "}
              <Link href={logsDuring(u)}>its logs during this {u.operation}</Link>
            </span>
          ) : null}
        </header>
        <ErrorBox error={record.error ?? streamError} />
        {u ? (
          <dl className="facts">
            <dt>Started by</dt>
            <dd>
              {u.actor} ({u.trigger})
            </dd>
            <dt>Commit</dt>
            <dd>
              <Commit sha={u.commit} />
            </dd>
            <dt>Created</dt>
            <dd>{age(u.createdAt)}</dd>
            {u.reasons.length > 0 ? (
              <>
                <dt>Why</dt>
                <dd>{u.reasons.join("; ")}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
        {result && status === "failed" ? (
          <div className="error" role="alert" aria-label="result">
            {result.error ? (
              <p>
                <code>{result.error.code}</code> {result.error.message}
              </p>
            ) : (
              <p>Failed:</p>
            )}
            {(result.failures ?? []).map((f) => (
              <div key={f.service}>
                <strong>{f.service}</strong>: {f.reason}
                {f.logs.length > 0 ? <CodeBlock className="code">{f.logs.join("\n")}</CodeBlock> : null}
              </div>
            ))}
            {(result.errors ?? []).map((e) => (
              <p key={`${e.file}:${e.line}:${e.code}`}>
                {e.file}:{e.line} <code>{e.code}</code> {e.message}
              </p>
            ))}
          </div>
        ) : null}
        {status === "success" ? (
          <p className="ok" role="status" aria-label="result">
            success
          </p>
        ) : null}
      </section>
      <Section title="Steps">
        <ol className="steps">
          {steps.map((s) => {
            const timing = result?.steps?.find((r) => r.step === s.step);
            return (
              <li key={`${s.step}@${s.at}`}>
                {s.step}
                {timing ? <span className="muted"> · {(timing.durationMs / 1000).toFixed(1)} s</span> : null}
              </li>
            );
          })}
        </ol>
      </Section>
      {u?.targetKind === "stack" && u.operation === "deploy" && u.commit ? (
        <Section title="What it changed">
          <ChangedBy update={u} />
        </Section>
      ) : null}
      <Section title="Output">
        <CodeBlock className="log" role="log" aria-label="output">
          {logs.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: output lines have no identity and only grow at the end
            <div key={i} className={e.stream === "stderr" ? "stderr" : ""}>
              {e.line}
            </div>
          ))}
        </CodeBlock>
      </Section>
    </>
  );
}

/** The logs page for what the stack logged while the update ran (a minute either side). */
function logsDuring(update: {
  targetName: string;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string;
}): string {
  const params = new URLSearchParams({ stack: update.targetName });
  const from = Date.parse(update.startedAt ?? update.createdAt) - 60_000;
  params.set("since", new Date(from).toISOString());
  if (update.endedAt) params.set("until", new Date(Date.parse(update.endedAt) + 60_000).toISOString());
  return `/logs?${params}`;
}
