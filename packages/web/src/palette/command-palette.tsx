// Find anything: Ctrl-K / ⌘K (or the header's Search button) opens a list of
// every page, stack, server, sync, recent update and open alert, and the
// stack actions the user may run; type to narrow, arrows to move, Enter to
// open (an action asks first, then runs and opens its update).
import { useQuery } from "@tanstack/react-query";
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import { useLocation } from "wouter";
import { api } from "../api/client.js";
import type { AlertView, ServerView, StackView, SyncView, UpdateView } from "../api/types.js";
import { useSession } from "../auth/session.js";
import { type PaletteItem, searchPalette } from "./search.js";

const PAGES: Array<[string, string]> = [
  ["/", "Dashboard"],
  ["/stacks", "Stacks"],
  ["/fleet", "Fleet picture"],
  ["/logs", "Logs"],
  ["/syncs", "Syncs"],
  ["/servers", "Servers"],
  ["/alerts", "Alerts"],
  ["/updates", "Updates"],
  ["/account", "Account"],
];

const VARIABLES: Array<[string, string]> = [["/variables", "Variables"]];
const AUDIT: Array<[string, string]> = [["/audit", "Audit"]];

function useItems(open: boolean): PaletteItem[] {
  const { me } = useSession();
  const fleetWide = me !== undefined && me.role !== "user";
  const options = { enabled: open, staleTime: 10_000 };
  const stacks = useQuery({ queryKey: ["stacks"], queryFn: () => api<StackView[]>("/api/stacks"), ...options });
  const servers = useQuery({
    queryKey: ["servers"],
    queryFn: () => api<ServerView[]>("/api/servers"),
    ...options,
    enabled: open && fleetWide,
  });
  const syncs = useQuery({
    queryKey: ["syncs"],
    queryFn: () => api<SyncView[]>("/api/syncs"),
    ...options,
    enabled: open && fleetWide,
  });
  const updates = useQuery({
    queryKey: ["palette-updates"],
    queryFn: () => api<UpdateView[]>("/api/updates?limit=50"),
    ...options,
  });
  const alerts = useQuery({
    queryKey: ["palette-alerts"],
    queryFn: () => api<AlertView[]>("/api/alerts?status=open&limit=50"),
    ...options,
  });
  return useMemo(() => {
    const pages = [...PAGES, ...(fleetWide ? VARIABLES : []), ...(me?.role === "admin" ? AUDIT : [])];
    const items: PaletteItem[] = pages.map(([to, label]) => ({ id: `page:${to}`, label, hint: "page", to }));
    for (const s of stacks.data ?? []) {
      const at = `/stacks/${encodeURIComponent(s.name)}`;
      items.push({ id: `stack:${s.name}`, label: s.name, hint: `stack on ${s.server} · ${s.state}`, to: at });
      if (s.access?.execute)
        for (const verb of ["deploy", "restart"] as const)
          items.push({
            id: `${verb}:${s.name}`,
            label: `${verb[0]?.toUpperCase()}${verb.slice(1)} ${s.name}`,
            hint: "action",
            action: {
              method: "POST",
              path: `/api/stacks/${encodeURIComponent(s.name)}/${verb}`,
              question: `${verb} ${s.name}?`,
            },
          });
    }
    for (const s of servers.data ?? [])
      items.push({
        id: `server:${s.name}`,
        label: s.name,
        hint: "server",
        to: `/servers/${encodeURIComponent(s.name)}`,
      });
    for (const s of syncs.data ?? []) items.push({ id: `sync:${s.name}`, label: s.name, hint: "sync", to: "/syncs" });
    for (const u of updates.data ?? [])
      items.push({
        id: `update:${u.id}`,
        label: `${u.operation} ${u.targetName}`,
        hint: `update · ${u.status} · ${new Date(u.createdAt).toLocaleString()}`,
        to: `/updates/${u.id}`,
      });
    for (const a of alerts.data ?? [])
      items.push({
        id: `alert:${a.id}`,
        label: `${a.type} ${a.targetName}`,
        hint: `alert · ${a.severity}`,
        to: "/alerts",
      });
    return items;
  }, [stacks.data, servers.data, syncs.data, updates.data, alerts.data, fleetWide, me?.role]);
}

export function CommandPalette() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setOpen((was) => !was);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <>
      <button type="button" className="link palette-open" onClick={() => setOpen(true)} aria-keyshortcuts="Control+K">
        Find anything <kbd>Ctrl K</kbd>
      </button>
      {open ? <Palette close={() => setOpen(false)} /> : null}
    </>
  );
}

function Palette({ close }: { close: () => void }) {
  const items = useItems(true);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [confirming, setConfirming] = useState<PaletteItem>();
  const [error, setError] = useState<string>();
  const [, navigate] = useLocation();
  const input = useRef<HTMLInputElement>(null);
  const results = useMemo(() => searchPalette(items, query), [items, query]);
  useEffect(() => input.current?.focus(), []);

  const choose = async (item: PaletteItem | undefined) => {
    if (!item) return;
    if (item.to) {
      navigate(item.to);
      close();
      return;
    }
    if (item.action && confirming?.id !== item.id) {
      setConfirming(item);
      return;
    }
    if (item.action) {
      try {
        const { updateId } = await api<{ updateId: string }>(item.action.path, { method: item.action.method });
        navigate(`/updates/${updateId}`);
        close();
      } catch (e) {
        setError((e as Error).message);
      }
    }
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      if (confirming) setConfirming(undefined);
      else close();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      setConfirming(undefined);
      setActive((i) => Math.min(i + 1, results.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setConfirming(undefined);
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(confirming ?? results[active]).catch((e: Error) => setError(e.message));
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside closes it, as Escape does from the keyboard
    <div className="palette-backdrop" onMouseDown={close} role="presentation">
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-label="Find anything"
        onMouseDown={(e) => e.stopPropagation()}
      >
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-results"
          aria-activedescendant={results[active] ? `palette-${active}` : undefined}
          aria-label="Find a stack, server, sync, update, alert or action"
          placeholder="Find a stack, server, update… or an action"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKey}
        />
        {confirming ? (
          <p className="notice" role="alert">
            {confirming.action?.question} Enter to confirm, Escape to cancel.
          </p>
        ) : null}
        {error ? <p className="error">{error}</p> : null}
        <div id="palette-results" role="listbox" aria-label="Results" className="palette-results">
          {results.map((item, i) => (
            <div
              key={item.id}
              id={`palette-${i}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === active}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(item).catch((e: Error) => setError(e.message))}
              onKeyDown={() => undefined}
            >
              <span>{item.label}</span> <span className="muted small">{item.hint}</span>
            </div>
          ))}
          {results.length === 0 ? <p className="muted">Nothing matches.</p> : null}
        </div>
      </div>
    </div>
  );
}
