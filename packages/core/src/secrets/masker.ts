// Secret values replaced by *** in every string of a value, at any depth.
// Masking the parsed value (not its JSON text) also catches secrets holding
// quotes or backslashes, which JSON escapes.

export function maskSecrets<T>(value: T, secrets: readonly string[]): T {
  // Longest first, so a secret containing another is masked whole; very short values would mask noise.
  const ordered = secrets.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return ordered.reduce((text, secret) => text.replaceAll(secret, "***"), item);
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === "object" && item !== null)
      return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v)]));
    return item;
  };
  return walk(value) as T;
}
