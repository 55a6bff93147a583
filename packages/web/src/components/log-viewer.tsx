// Container logs of a stack: the last lines, and new ones as they come when following.
import { useEffect, useRef, useState } from "react";
import { api, streamEvents } from "../api/client.js";
import type { LogLine } from "../api/types.js";
import { CodeBlock } from "./code-block.js";
import { ErrorBox } from "./status.js";

const MAX_LINES = 2000;

export function LogViewer({ stack }: { stack: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [follow, setFollow] = useState(false);
  const [error, setError] = useState<unknown>();
  const box = useRef<HTMLPreElement>(null);
  const path = `/api/stacks/${encodeURIComponent(stack)}/logs?tail=200`;

  useEffect(() => {
    setError(undefined);
    if (!follow) {
      api<LogLine[]>(path).then(setLines, setError);
      return;
    }
    const abort = new AbortController();
    setLines([]);
    streamEvents(
      `${path}&follow=1`,
      ({ event, data }) => {
        if (event === "error") setError(data);
        else setLines((current) => [...current, data as LogLine].slice(-MAX_LINES));
      },
      abort.signal,
    ).catch(setError);
    return () => abort.abort();
  }, [follow, path]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scrolls again each time lines arrive
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  return (
    <>
      <label className="inline">
        <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
      </label>
      <ErrorBox error={error} />
      <CodeBlock className="log" ref={box} role="log" aria-label={`logs of ${stack}`}>
        {lines.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no identity; the list only grows at the end
          <div key={i} className={l.stream === "stderr" ? "stderr" : ""}>
            <span className="muted">{l.service} | </span>
            {l.line}
          </div>
        ))}
      </CodeBlock>
    </>
  );
}
