// What Tugboat learned from reading a repository file, kept across loads and
// keyed by the file's path and Git blob id: a sync after a push reads and
// parses again only the files the push changed. Bounded by an estimate of
// the memory each analysis holds; the least recently used go first.
import { LRUCache } from "lru-cache";
import { type Diagnostic, Diagnostics } from "../diagnostics.js";

/** An analysis with the problems found while making it, to report again on every load that uses it. */
export interface Analysed<T> {
  value: T;
  diagnostics: readonly Diagnostic[];
  suppressed: ReadonlyMap<string, number>;
}

export interface AnalysisCacheStats {
  entries: number;
  /** The estimate of memory held, which `maxBytes` bounds. */
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

/**
 * Measured (bench/incremental.ts, 500 stacks): an analysed compose or
 * resource file holds 10 to 18 bytes of heap per byte of its text; the
 * bound counts the most.
 */
export const HEAP_PER_TEXT_BYTE = 18;

/** The default bound: some 10,000 files of a few kilobytes. */
export const DEFAULT_ANALYSIS_CACHE_BYTES = 256 * 1024 * 1024;

export class AnalysisCache {
  private readonly entries: LRUCache<string, Analysed<unknown> & { bytes: number }>;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly maxBytes = DEFAULT_ANALYSIS_CACHE_BYTES) {
    this.entries = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      dispose: (_entry, _key, reason) => {
        if (reason === "evict") this.evictions += 1;
      },
    });
  }

  /**
   * The analysis of `kind` for the blob `oid` at `path`: made by `analyse` the
   * first time (it reports problems to the Diagnostics it is given and says
   * how many bytes of text it read), then taken from here. A kept analysis is
   * frozen: whoever uses it must not change it.
   */
  async get<T>(
    key: { kind: string; path: string; oid: string },
    analyse: (diagnostics: Diagnostics) => Promise<{ value: T; textBytes: number }>,
  ): Promise<Analysed<T>> {
    const id = `${key.kind}\u0000${key.path}\u0000${key.oid}`;
    const kept = this.entries.get(id);
    if (kept) {
      this.hits += 1;
      return kept as Analysed<T>;
    }
    this.misses += 1;
    const diagnostics = new Diagnostics();
    const { value, textBytes } = await analyse(diagnostics);
    const made = deepFreeze({
      value,
      diagnostics: diagnostics.items,
      suppressed: diagnostics.suppressed,
      bytes: textBytes * HEAP_PER_TEXT_BYTE,
    });
    this.entries.set(id, made);
    return made;
  }

  stats(): AnalysisCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.entries.calculatedSize,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }
}

/** Reports a kept analysis's problems to this load's Diagnostics. */
export function replay(analysed: Analysed<unknown>, into: Diagnostics): void {
  into.items.push(...analysed.diagnostics);
  for (const [lint, count] of analysed.suppressed) into.suppressed.set(lint, (into.suppressed.get(lint) ?? 0) + count);
}

/** Freezes a value and all it holds (objects, arrays, maps, sets): for what is shared between readers. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v);
  } else {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}

/**
 * A copy of kept data (parsed TOML: plain objects, arrays, scalars) to change
 * without changing what the cache keeps; structuredClone's work, without its
 * cost. Anything else (a date) is not changed in place by anyone: shared.
 */
export function thawedCopy<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(thawedCopy) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = thawedCopy((value as Record<string, unknown>)[key]);
  return copy as T;
}
