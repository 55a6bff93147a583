// The fleet's logs: words to find, filters as chips (server, stack, service,
// level, since), the newest matching lines in time order with older pages on
// demand, the words highlighted, a line's context one click away, and a live
// toggle that follows new lines from every host. The URL holds the filters,
// so the stack, server and update pages link straight to their lines.
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, Fragment, useEffect, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { api, streamEvents } from "../api/client.js";
import type { LogContextView, LogSearchView, ServerView, StackView, StoredLogLineView } from "../api/types.js";
import { ErrorBox, Section } from "../components/status.js";

const FILTERS = ["server", "stack", "service", "level", "since", "until"] as const;
type FilterKey = (typeof FILTERS)[number];
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];
const SINCE = ["15m", "1h", "24h", "7d"];
/** Lines kept on the page while following live. */
const LIVE_MAX = 2_000;

/** The words of a query (not excluded ones): what the results highlight. */
function wordsOf(query: string): string[] {
  return [...query.matchAll(/(-?)(?:"([^"]*)"|(\S+))/g)]
    .filter((m) => m[1] !== "-")
    .flatMap(
      (m) =>
        (m[2] ?? m[3] ?? "")
          .replace(/\*$/, "")
          .toLowerCase()
          .match(/[\p{L}\p{N}]+/gu) ?? [],
    );
}

function Highlighted({ text, words }: { text: string; words: readonly string[] }) {
  if (words.length === 0) return <>{text}</>;
  const pattern = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "giu");
  return (
    <>
      {text.split(pattern).map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one line never reorder
        i % 2 === 1 ? <mark key={i}>{part}</mark> : <Fragment key={i}>{part}</Fragment>,
      )}
    </>
  );
}

function LineRow(props: { line: StoredLogLineView; words: readonly string[]; hit?: boolean; onOpen?: () => void }) {
  const { line } = props;
  return (
    <div className={`log-line${props.hit ? " hit" : ""}${line.stream === "stderr" ? " stderr" : ""}`}>
      <time dateTime={line.at} title={line.at}>
        {line.at.slice(5, 23).replace("T", " ")}
      </time>
      <span className="source">
        {line.server}/{line.stack}/{line.service}
      </span>
      {line.level ? <span className={`level level-${line.level}`}>{line.level}</span> : null}
      {props.onOpen ? (
        <button type="button" className="link text" onClick={props.onOpen} title="show the lines around it">
          <Highlighted text={line.line} words={props.words} />
        </button>
      ) : (
        <span className="text">
          <Highlighted text={line.line} words={props.words} />
        </span>
      )}
    </div>
  );
}

function Context({ id, words, onClose }: { id: number; words: readonly string[]; onClose: () => void }) {
  const query = useQuery({
    queryKey: ["log-context", id],
    queryFn: () => api<LogContextView>(`/api/logs/${id}/context?lines=10`),
  });
  return (
    <section className="log-context" aria-label="context">
      <ErrorBox error={query.error} />
      {query.data ? (
        <>
          {query.data.before.map((l) => (
            <LineRow key={l.id} line={l} words={words} />
          ))}
          <LineRow line={query.data.line} words={words} hit />
          {query.data.after.map((l) => (
            <LineRow key={l.id} line={l} words={words} />
          ))}
        </>
      ) : null}
      <button type="button" className="link" onClick={onClose}>
        close
      </button>
    </section>
  );
}

export function LogsPage() {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const [text, setText] = useState(params.get("q") ?? "");
  const [older, setOlder] = useState<StoredLogLineView[][]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [live, setLive] = useState<StoredLogLineView[]>([]);
  const [following, setFollowing] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const key = params.toString();
  const words = wordsOf(params.get("q") ?? "");
  const servers = useQuery({ queryKey: ["servers"], queryFn: () => api<ServerView[]>("/api/servers") });
  const stacks = useQuery({ queryKey: ["stacks"], queryFn: () => api<StackView[]>("/api/stacks") });
  const results = useQuery({
    queryKey: ["logs", key],
    queryFn: () => api<LogSearchView>(`/api/logs?${params}&limit=200`),
  });
  useEffect(() => {
    setOlder([]);
    setLive([]);
    setNext(results.data?.next ?? null);
  }, [results.data]);
  useEffect(() => {
    if (!following) return;
    const abort = new AbortController();
    const tail = new URLSearchParams(key);
    tail.delete("since");
    tail.delete("until");
    streamEvents(
      `/api/logs/tail?${tail}`,
      ({ event, data }) => {
        if (event === "lines") setLive((lines) => [...lines, ...(data as StoredLogLineView[])].slice(-LIVE_MAX));
      },
      abort.signal,
    ).catch(() => setFollowing(false));
    return () => abort.abort();
  }, [following, key]);

  const go = (change: Partial<Record<FilterKey | "q", string | null>>) => {
    const nextParams = new URLSearchParams(params);
    for (const [name, value] of Object.entries(change))
      if (value) nextParams.set(name, value);
      else nextParams.delete(name);
    navigate(`/logs${nextParams.size > 0 ? `?${nextParams}` : ""}`);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    go({ q: text.trim() || null });
  };
  const loadOlder = async () => {
    if (!next) return;
    const page = await api<LogSearchView>(`/api/logs?${params}&limit=200&before=${encodeURIComponent(next)}`);
    setOlder((pages) => [page.lines, ...pages]);
    setNext(page.next);
  };
  const lines = [...older.flat(), ...(results.data?.lines ?? []), ...live];
  const choose = (name: FilterKey, values: readonly string[], label: string) =>
    params.get(name) ? null : (
      <select aria-label={label} value="" onChange={(e) => go({ [name]: e.target.value })}>
        <option value="">+ {label}</option>
        {values.map((v) => (
          <option key={v}>{v}</option>
        ))}
      </select>
    );

  return (
    <Section
      title="Logs"
      actions={
        <label className="inline">
          <input type="checkbox" checked={following} onChange={(e) => setFollowing(e.target.checked)} /> Live
        </label>
      }
    >
      <form className="log-search" onSubmit={submit} aria-label="search logs">
        <input
          type="search"
          aria-label="Words to find"
          placeholder='words, "a phrase", prefix*, -excluded'
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <fieldset className="chips" aria-label="filters">
        {FILTERS.filter((name) => params.get(name)).map((name) => (
          <button key={name} type="button" className="chip" onClick={() => go({ [name]: null })} title="remove">
            {name}: {params.get(name)} ×
          </button>
        ))}
        {choose(
          "server",
          (servers.data ?? []).map((s) => s.name),
          "server",
        )}
        {choose(
          "stack",
          (stacks.data ?? []).map((s) => s.name),
          "stack",
        )}
        {choose("level", LEVELS, "level")}
        {choose("since", SINCE, "since")}
      </fieldset>
      <ErrorBox error={results.error} />
      {next ? (
        <button type="button" className="link" onClick={loadOlder}>
          Older lines
        </button>
      ) : null}
      <div className="log-lines" role="log" aria-label="log lines">
        {results.isPending ? <p className="muted">Loading…</p> : null}
        {results.data && lines.length === 0 ? <p className="muted">No line matches.</p> : null}
        {lines.map((line) => (
          <Fragment key={line.id}>
            <LineRow line={line} words={words} onOpen={() => setOpen(open === line.id ? null : line.id)} />
            {open === line.id ? <Context id={line.id} words={words} onClose={() => setOpen(null)} /> : null}
          </Fragment>
        ))}
      </div>
      <p className="muted">
        {lines.length} line(s){following ? ", following new ones" : ""}
      </p>
    </Section>
  );
}
