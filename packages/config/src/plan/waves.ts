// Deploy waves from `after`: a stack deploys in a later wave than every stack
// it comes after, directly or through stacks that are not deploying.

/** Wave numbers (1-based) for the stacks in `deploying`; the graph must be acyclic. */
export function deployWaves(
  stacks: ReadonlyArray<{ name: string; after: readonly string[] }>,
  deploying: ReadonlySet<string>,
): Map<string, number> {
  const after = new Map(stacks.map((stack) => [stack.name, stack.after]));
  const level = new Map<string, number>();
  const levelOf = (name: string, seen: Set<string>): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // cycles are reported by validation; do not loop here
    seen.add(name);
    let value = 0;
    for (const dep of after.get(name) ?? []) {
      if (!after.has(dep)) continue;
      value = Math.max(value, levelOf(dep, seen) + (deploying.has(dep) ? 1 : 0));
    }
    level.set(name, value);
    return value;
  };
  const raw = new Map<string, number>();
  for (const name of deploying) raw.set(name, levelOf(name, new Set()));
  // Number the levels that hold a deploying stack 1, 2, 3… with no gaps.
  const used = [...new Set(raw.values())].sort((a, b) => a - b);
  return new Map([...raw].map(([name, value]) => [name, used.indexOf(value) + 1]));
}
