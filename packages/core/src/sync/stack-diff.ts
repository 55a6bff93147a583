// What changes for one stack between two commits: every file its deploy
// reads (compose files, env files, bind-mounted files, build contexts: the
// fingerprint's inputs) that differs, with both texts, and its environment
// by key. Secret values are never in it: a secret entry shows as changed
// without its value, and every reply passes through the masker besides.
import type { Fleet, FleetStack } from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { StackStore } from "../deploy/stack-store.js";
import type { FleetHistory } from "./fleet-history.js";
import type { SyncStore } from "./sync-store.js";

const MAX_FILE_BYTES = 256 * 1024;
const MAX_FILES = 50;
export const HIDDEN = "(secret)";

type Change = "added" | "removed" | "changed";

export interface FileDiff {
  path: string;
  /** Why the deploy reads it: "compose file", "env_file of service web", … */
  via: string;
  change: Change;
  before: string | null;
  after: string | null;
  /** Why a text is missing (a folder, a binary or very large file, another repository). */
  note?: string;
}

export interface StackDiff {
  stack: string;
  from: string | null;
  to: string | null;
  files: FileDiff[];
  environment: Array<{ name: string; change: Change; before: string | null; after: string | null }>;
  /** Files left out past the limit, and other remarks. */
  notes: string[];
}

interface Deps {
  stacks: StackStore;
  syncs: SyncStore;
  history: FleetHistory;
}

const stackIn = (fleet: Fleet | undefined, name: string) => fleet?.stacks.find((s) => s.name === name);

function changeOf(before: unknown, after: unknown): Change | undefined {
  if (before === undefined && after !== undefined) return "added";
  if (before !== undefined && after === undefined) return "removed";
  return before === after ? undefined : "changed";
}

/** The environment by key; a secret's value is never shown, only that it changed. */
function environmentDiff(before: FleetStack | undefined, after: FleetStack | undefined): StackDiff["environment"] {
  const entries = (stack: FleetStack | undefined) => new Map((stack?.environment ?? []).map((e) => [e.name, e]));
  const old = entries(before);
  const now = entries(after);
  const shown = (entry: { value: string; secret: boolean } | undefined) =>
    entry === undefined ? null : entry.secret ? HIDDEN : entry.value;
  return [...new Set([...old.keys(), ...now.keys()])].sort().flatMap((name) => {
    const change = changeOf(old.get(name)?.value, now.get(name)?.value);
    return change ? [{ name, change, before: shown(old.get(name)), after: shown(now.get(name)) }] : [];
  });
}

async function readAt(deps: Deps, sync: string, commit: string, paths: readonly string[]) {
  const texts = new Map<string, { text: string | null; note?: string }>();
  const source = await deps.history.openCommit(sync, commit);
  try {
    for (const path of paths) {
      const entry = await source.entry(path);
      if (!entry) continue;
      if (entry.type !== "blob") {
        texts.set(path, { text: null, note: "a folder: its contents changed" });
        continue;
      }
      const text = await source.readText(path);
      if (text.length > MAX_FILE_BYTES || text.includes("\u0000"))
        texts.set(path, { text: null, note: "binary or over 256 KiB: not shown" });
      else texts.set(path, { text });
    }
  } finally {
    await source.close();
  }
  return texts;
}

/** The diff of a stack from `from` (default: its deployed commit) to `to` (default: the sync's head). */
export async function stackDiff(deps: Deps, name: string, options: { from?: string; to?: string }): Promise<StackDiff> {
  const row = await deps.stacks.get(name);
  const sync = row ? await deps.syncs.get(row.sync) : undefined;
  if (!row || !sync) throw new TugError("E_NOT_FOUND", `no stack named "${name}"`);
  const from = options.from ?? row.deployedCommit ?? null;
  const to = options.to ?? sync.headCommit ?? sync.appliedCommit ?? null;
  const diff: StackDiff = { stack: name, from, to, files: [], environment: [], notes: [] };
  if (!to) return diff;
  const before = from ? stackIn(await deps.history.fleetAt(sync.name, from), name) : undefined;
  const after = stackIn(await deps.history.fleetAt(sync.name, to), name);
  diff.environment = environmentDiff(before, after);
  const inputs = (stack: FleetStack | undefined) => new Map((stack?.inputs ?? []).map((i) => [i.path, i]));
  const old = inputs(before);
  const now = inputs(after);
  const changed = [...new Set([...old.keys(), ...now.keys()])].sort().flatMap((path) => {
    const change = changeOf(old.get(path)?.oid, now.get(path)?.oid);
    return change ? [{ path, change, via: (now.get(path) ?? old.get(path))?.via ?? "" }] : [];
  });
  if (changed.length > MAX_FILES) diff.notes.push(`${changed.length - MAX_FILES} more changed files are not shown`);
  const shown = changed.slice(0, MAX_FILES);
  const elsewhere = (stack: FleetStack | undefined) => stack !== undefined && stack.source.kind !== "sync";
  if (elsewhere(before) || elsewhere(after)) {
    diff.notes.push("its files live in another repository: only what changed is listed");
    diff.files = shown.map((f) => ({ ...f, before: null, after: null, note: "in another repository" }));
    return diff;
  }
  const paths = shown.map((f) => f.path);
  const was = from ? await readAt(deps, sync.name, from, paths) : new Map();
  const is = await readAt(deps, sync.name, to, paths);
  diff.files = shown.map((f) => {
    const a = was.get(f.path);
    const b = is.get(f.path);
    const note = a?.note ?? b?.note;
    return { ...f, before: a?.text ?? null, after: b?.text ?? null, ...(note ? { note } : {}) };
  });
  return diff;
}
