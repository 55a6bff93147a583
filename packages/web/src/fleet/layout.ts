// Where the fleet picture draws each stack: a row per server (servers grouped
// by region), a column per deploy wave (a stack goes one column after the
// last stack it waits for with `after`), and an edge per `after`. Pure, so
// it is tested and benchmarked without a browser.
export interface PictureStack {
  name: string;
  server: string;
  state: string;
  after: readonly string[];
}

export interface PictureServer {
  name: string;
  region: string;
  reachable: boolean;
}

export interface PlacedStack extends PictureStack {
  wave: number;
  x: number;
  y: number;
}

export interface PictureLayout {
  width: number;
  height: number;
  waves: number;
  rows: Array<{ server: string; region: string; reachable: boolean; y: number; height: number }>;
  regions: Array<{ region: string; y: number }>;
  stacks: PlacedStack[];
  edges: Array<{ from: PlacedStack; to: PlacedStack }>;
}

export const NODE = { width: 168, height: 30, gapX: 40, gapY: 8, label: 150, regionGap: 26, padding: 10 };

/** The wave of each stack: 0 without `after`, else one more than its latest dependency (cycles stop at 0). */
export function waves(stacks: readonly PictureStack[]): Map<string, number> {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const wave = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (name: string): number => {
    const known = wave.get(name);
    if (known !== undefined) return known;
    const stack = byName.get(name);
    if (!stack || visiting.has(name)) return 0;
    visiting.add(name);
    const deps = stack.after.filter((dep) => byName.has(dep));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    visiting.delete(name);
    wave.set(name, value);
    return value;
  };
  for (const stack of stacks) depth(stack.name);
  return wave;
}

export function layoutFleet(servers: readonly PictureServer[], stacks: readonly PictureStack[]): PictureLayout {
  const wave = waves(stacks);
  const waveCount = Math.max(1, ...[...wave.values()].map((w) => w + 1));
  const known = new Map(servers.map((s) => [s.name, s]));
  // Stacks on servers core does not list (a swarm's, another sync's) still get a row.
  const rowsOf = [...servers];
  for (const stack of stacks)
    if (!known.has(stack.server)) {
      const extra = { name: stack.server, region: "", reachable: true };
      known.set(stack.server, extra);
      rowsOf.push(extra);
    }
  rowsOf.sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name));
  const cells = new Map<string, PictureStack[]>();
  for (const stack of [...stacks].sort((a, b) => a.name.localeCompare(b.name))) {
    const key = `${stack.server}\u0000${wave.get(stack.name) ?? 0}`;
    cells.set(key, [...(cells.get(key) ?? []), stack]);
  }
  const placed = new Map<string, PlacedStack>();
  const rows: PictureLayout["rows"] = [];
  const regions: PictureLayout["regions"] = [];
  let y = NODE.padding;
  let region: string | undefined;
  for (const server of rowsOf) {
    if (server.region !== region) {
      region = server.region;
      regions.push({ region: region || "no region", y });
      y += NODE.regionGap;
    }
    let tallest = 1;
    for (let w = 0; w < waveCount; w += 1) {
      const cell = cells.get(`${server.name}\u0000${w}`) ?? [];
      tallest = Math.max(tallest, cell.length);
      cell.forEach((stack, i) => {
        placed.set(stack.name, {
          ...stack,
          wave: w,
          x: NODE.label + NODE.padding + w * (NODE.width + NODE.gapX),
          y: y + i * (NODE.height + NODE.gapY),
        });
      });
    }
    const height = tallest * (NODE.height + NODE.gapY);
    rows.push({ server: server.name, region: server.region, reachable: server.reachable, y, height });
    y += height + NODE.gapY;
  }
  const edges: PictureLayout["edges"] = [];
  for (const stack of placed.values())
    for (const dep of stack.after) {
      const from = placed.get(dep);
      if (from) edges.push({ from, to: stack });
    }
  return {
    width: NODE.label + NODE.padding * 2 + waveCount * (NODE.width + NODE.gapX),
    height: y + NODE.padding,
    waves: waveCount,
    rows,
    regions,
    stacks: [...placed.values()],
    edges,
  };
}
