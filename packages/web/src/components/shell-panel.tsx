// A shell in a service's container (admins): xterm.js on a WebSocket that a
// single-use ticket opens. Loaded only when a shell is opened (xterm is large).
import "@xterm/xterm/css/xterm.css";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client.js";
import type { ShellTicketView } from "../api/types.js";
import { ErrorBox, Section } from "./status.js";

function ending(event: CloseEvent): string {
  try {
    const { exitCode } = JSON.parse(event.reason) as { exitCode: number | null };
    return `the shell ended${exitCode === null ? "" : ` with code ${exitCode}`}`;
  } catch {
    return event.reason || `closed (${event.code})`;
  }
}

export default function ShellPanel({
  stack,
  service,
  onClose,
}: {
  stack: string;
  service: string;
  onClose: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [ended, setEnded] = useState<string | null>(null);
  useEffect(() => {
    if (!host.current) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 13, scrollback: 5_000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    let socket: WebSocket | undefined;
    let gone = false;
    const send = (data: string | Uint8Array) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(data);
    };
    const size = () => send(JSON.stringify({ type: "resize", cols: term.cols, rows: term.rows }));
    const encoder = new TextEncoder();
    const typing = term.onData((data) => send(encoder.encode(data)));
    const resizing = term.onResize(size);
    api<ShellTicketView>(`/api/stacks/${encodeURIComponent(stack)}/shell`, { method: "POST", body: { service } }).then(
      ({ path }) => {
        if (gone) return;
        socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`);
        socket.binaryType = "arraybuffer";
        socket.onopen = () => {
          size();
          term.focus();
        };
        socket.onmessage = (event) => {
          if (typeof event.data !== "string") term.write(new Uint8Array(event.data as ArrayBuffer));
        };
        socket.onclose = (event) => setEnded(ending(event));
      },
      setError,
    );
    const refit = () => fit.fit();
    window.addEventListener("resize", refit);
    return () => {
      gone = true;
      window.removeEventListener("resize", refit);
      typing.dispose();
      resizing.dispose();
      socket?.close();
      term.dispose();
    };
  }, [stack, service]);
  return (
    <Section
      title={`Shell in ${service}`}
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <ErrorBox error={error} />
      <div ref={host} className="terminal" role="application" aria-label={`shell in ${service}`} />
      {ended ? (
        <p className="muted" role="status">
          {ended}
        </p>
      ) : null}
    </Section>
  );
}
