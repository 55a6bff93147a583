// Every secret value core knows, and the one function that hides them: each
// string core stores or sends (replies, update records, logs, errors) goes
// through mask(). Values come from several places (core's TUG_SECRET_*, the
// secret variables each sync declares, passkeys), kept per scope so a sync's
// secrets are replaced when it is read again.

/** Shorter values would mask noise ("1", "on"); they are not treated as secrets. */
const MIN_LENGTH = 3;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class SecretMasker {
  private readonly scopes = new Map<string, readonly string[]>();
  private pattern: RegExp | undefined;
  /** The secrets as JSON writes them inside a string; undefined: none, or one JSON may write otherwise. */
  private written: RegExp | undefined;
  /** Some secret holds half a surrogate pair: JSON writes it differently alone and inside a pair. */
  private halfPairs = false;

  /** Replaces the secret values of one scope ("core", "sync:root", …). */
  set(scope: string, values: Iterable<string>): void {
    this.scopes.set(
      scope,
      [...values].filter((v) => v.length >= MIN_LENGTH),
    );
    // Longest first, so a secret containing another is masked whole.
    const all = [...new Set([...this.scopes.values()].flat())].sort((a, b) => b.length - a.length);
    this.pattern = all.length > 0 ? new RegExp(all.map(escapeRegExp).join("|"), "g") : undefined;
    this.halfPairs = all.some((value) => /[\uD800-\uDFFF]/.test(value));
    this.written =
      all.length > 0 ? new RegExp(all.map((v) => escapeRegExp(JSON.stringify(v).slice(1, -1))).join("|")) : undefined;
  }

  /** Adds values to a scope, keeping what it holds (secrets of older commits read for diffs). */
  add(scope: string, values: Iterable<string>): void {
    this.set(scope, new Set([...(this.scopes.get(scope) ?? []), ...values]));
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, "***") : text;
  }

  /**
   * A JSON text with every string value in it masked, as `JSON.stringify` with a masking
   * replacer writes it. JSON escapes a string character by character, so a string holding a
   * secret holds it as JSON writes it: when the text holds none, masking each string would
   * change nothing and the text is returned as it is. Otherwise (a secret in a string, or
   * only in a number or a key) it is parsed and written again with each string masked. A
   * replacer on every reply cost more than the rest of writing it (5,000 stacks: most of a
   * second).
   */
  maskJson(json: string): string {
    if (!this.pattern) return json;
    if (!this.halfPairs && !this.written?.test(json)) return json;
    return JSON.stringify(JSON.parse(json), (_key, value: unknown) =>
      typeof value === "string" ? this.mask(value) : value,
    );
  }

  /** A copy of `value` with every string in it masked, at any depth. */
  maskDeep<T>(value: T): T {
    if (!this.pattern) return value;
    const walk = (item: unknown): unknown => {
      if (typeof item === "string") return this.mask(item);
      if (Array.isArray(item)) return item.map(walk);
      if (typeof item === "object" && item !== null)
        return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v)]));
      return item;
    };
    return walk(value) as T;
  }
}

/** A masker for one list of values. */
export function maskerOf(values: readonly string[]): SecretMasker {
  const masker = new SecretMasker();
  masker.set("values", values);
  return masker;
}
