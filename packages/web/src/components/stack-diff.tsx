// What a deploy changes for one stack, before it happens: each file its
// deploy reads, as a unified or side-by-side diff (unchanged stretches
// folded), and its environment by key (secret values never shown).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.js";
import type { StackDiffView } from "../api/types.js";
import { CodeBlock } from "./code-block.js";
import { type Line, unifiedLines } from "./diff-lines.js";
import { ErrorBox } from "./status.js";

const SIGN = { add: "+", del: "−", same: " ", fold: " " } as const;

function Unified({ before, after }: { before: string; after: string }) {
  return (
    <CodeBlock className="code diff-text">
      {unifiedLines(before, after).map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of one diff, in order
        <span key={i} className={`diff-line diff-${line.kind}`}>
          {SIGN[line.kind]} {line.text}
          {"\n"}
        </span>
      ))}
    </CodeBlock>
  );
}

function SideBySide({ before, after }: { before: string; after: string }) {
  const lines = unifiedLines(before, after);
  const column = (side: string, hidden: Line["kind"]) => (
    <CodeBlock className="code diff-text" title={side}>
      {lines
        .filter((l) => l.kind !== hidden)
        .map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of one diff, in order
          <span key={i} className={`diff-line diff-${line.kind}`}>
            {line.text}
            {"\n"}
          </span>
        ))}
    </CodeBlock>
  );
  return (
    <div className="diff-sides">
      {column("before", "add")}
      {column("after", "del")}
    </div>
  );
}

/** The diff of `stack` from `from` to `to` (defaults: its deployed commit, the branch head). */
export function StackDiff({ stack, from, to }: { stack: string; from?: string | null; to?: string | null }) {
  const [sides, setSides] = useState(false);
  const params = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
  const diff = useQuery({
    queryKey: ["stack-diff", stack, from ?? "", to ?? ""],
    queryFn: () => api<StackDiffView>(`/api/stacks/${encodeURIComponent(stack)}/diff?${params}`),
  });
  const d = diff.data;
  if (diff.error) return <ErrorBox error={diff.error} />;
  if (!d) return <p className="muted">Reading the changes…</p>;
  if (d.files.length === 0 && d.environment.length === 0)
    return <p className="muted">No file or environment change for {stack}.</p>;
  return (
    <section className="stack-diff" aria-label={`changes to ${stack}`}>
      <div className="segmented">
        <button type="button" aria-pressed={!sides} onClick={() => setSides(false)}>
          Unified
        </button>
        <button type="button" aria-pressed={sides} onClick={() => setSides(true)}>
          Side by side
        </button>
      </div>
      {d.files.map((f) => (
        <details key={f.path} open className="diff-file">
          <summary>
            <code>{f.path}</code> <span className={`diff-change diff-change-${f.change}`}>{f.change}</span>{" "}
            <span className="muted small">{f.via}</span>
          </summary>
          {f.note ? <p className="muted small">{f.note}</p> : null}
          {f.before !== null || f.after !== null ? (
            sides ? (
              <SideBySide before={f.before ?? ""} after={f.after ?? ""} />
            ) : (
              <Unified before={f.before ?? ""} after={f.after ?? ""} />
            )
          ) : null}
        </details>
      ))}
      {d.environment.length > 0 ? (
        <table className="env-diff" aria-label={`environment changes of ${stack}`}>
          <thead>
            <tr>
              <th>Variable</th>
              <th>Change</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {d.environment.map((e) => (
              <tr key={e.name}>
                <td>
                  <code>{e.name}</code>
                </td>
                <td>{e.change}</td>
                <td>
                  <code>{e.before ?? ""}</code>
                </td>
                <td>
                  <code>{e.after ?? ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {d.notes.map((n) => (
        <p key={n} className="muted small">
          {n}
        </p>
      ))}
    </section>
  );
}
