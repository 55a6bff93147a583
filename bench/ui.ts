// bench/ui.ts: the web UI's bundle size, the dashboard's load time in
// Debian's Chromium on a core seeded with 50 servers and 500 stacks, the fleet
// picture's render and the command palette's time to results on 5,000
// stacks, each against the dashboard's own load in the same run. Baselines
// in the same run: React + ReactDOM's own production files (the floor of any
// React UI), and the dashboard's API call alone from Node (the data the page
// needs, without the page).
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { loadCoreConfig, startCore } from "@tugboat/core";
import { launchBrowser, tempDir } from "@tugboat/testkit";
import { type BenchResult, median, writeResult } from "./result.js";

const SERVERS = 50;
const STACKS_PER_SERVER = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
/** Stacks the palette searches (the fleet's 500, then more). */
const PALETTE_ITEMS = 5000;
const ADMIN = { username: "admin", password: "bench password" };
const DIST = fileURLToPath(new URL("../packages/web/dist/", import.meta.url));
const STATES = ["running", "running", "running", "running", "unhealthy", "stopped", "down"] as const;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** Raw and gzip bytes of the files the dashboard loads (index.html's script and style; charts load later). */
async function bundle(): Promise<{ raw: number; gzip: number; lazy: number }> {
  const html = await readFile(join(DIST, "index.html"), "utf8");
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  let raw = 0;
  let gzip = 0;
  for (const file of initial) {
    const content = await readFile(join(DIST, file));
    raw += content.length;
    gzip += gzipSync(content, { level: 9 }).length;
  }
  let lazy = 0;
  for (const file of await readdir(join(DIST, "assets"))) {
    if (!initial.includes(`assets/${file}`))
      lazy += gzipSync(await readFile(join(DIST, "assets", file)), { level: 9 }).length;
  }
  return { raw, gzip, lazy };
}

/** React + ReactDOM (client) production builds, as shipped in their packages. */
async function reactFloor(): Promise<number> {
  const require = createRequire(join(fileURLToPath(new URL("../packages/web/", import.meta.url)), "package.json"));
  let gzip = 0;
  for (const [pkg, file] of [
    ["react", "cjs/react.production.js"],
    ["react-dom", "cjs/react-dom-client.production.js"],
    ["scheduler", "cjs/scheduler.production.js"],
  ] as const) {
    const root = dirname(require.resolve(`${pkg}/package.json`));
    const path = join(root, file);
    if (!(await stat(path).catch(() => undefined))) continue;
    gzip += gzipSync(await readFile(path), { level: 9 }).length;
  }
  return gzip;
}

export async function benchUi(): Promise<BenchResult> {
  const sizes = await bundle();
  const floor = await reactFloor();
  const data = await tempDir("tug-bench-ui-");
  const core = await startCore(
    await loadCoreConfig({
      env: {},
      overrides: {
        port: 0,
        host: "127.0.0.1",
        data_dir: data.path,
        status_interval: 3600,
        init_admin_username: ADMIN.username,
        init_admin_password: ADMIN.password,
      },
    }),
    { log: () => {} },
  );
  const browser = await launchBrowser();
  try {
    const { servers, stacks, observability, log } = core.context;
    const now = Math.floor(Date.now() / 1000);
    for (let s = 0; s < SERVERS; s += 1) {
      const name = `host-${String(s).padStart(2, "0")}`;
      await servers.upsert({
        name,
        sync: "root",
        address: "https://127.0.0.1:1",
        enabled: true,
        region: `region-${s % 3}`,
      });
      await servers.recordContact(name, { reachable: s % 10 !== 0, agentVersion: "0.1.0" });
      await observability.metrics.insertSamples(name, [
        {
          at: now,
          values: {
            cpu: 10 + s,
            "mem.used": 4e9 + s * 1e8,
            "mem.total": 16e9,
            "disk:/.used": 1e11,
            "disk:/.total": 2.5e11,
          },
        },
      ]);
      for (let i = 0; i < STACKS_PER_SERVER; i += 1) {
        const stack = `${name}-app-${i}`;
        await stacks.upsertDesired({
          name: stack,
          server: name,
          sync: "root",
          project: stack,
          spec: {},
          fingerprint: "f",
        });
        await stacks.setState(stack, STATES[(s + i) % STATES.length] ?? "running");
      }
    }
    for (let i = 0; i < 20; i += 1) {
      await observability.alerts.open({
        condition: `bench:${i}`,
        type: "StackStateChange",
        targetKind: "stack",
        targetName: `host-0${i % 10}-app-${i % 10}`,
        severity: "critical",
        message: "bench alert",
        details: {},
        suppressed: false,
      });
      await log.store.create({
        operation: "deploy",
        targetKind: "stack",
        targetName: `host-01-app-${i % 10}`,
        trigger: "user",
        actor: "admin",
      });
    }

    const login = await fetch(`${core.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const { token } = (await login.json()) as { token: string };

    // Baseline: the dashboard's data alone.
    const apiTimes: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const t0 = performance.now();
      await (await fetch(`${core.url}/api/dashboard`, { headers: { authorization: `Bearer ${token}` } })).json();
      apiTimes.push(performance.now() - t0);
    }

    // The page: navigation until all 50 server cards are on screen; the first load is cold (empty cache).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The session cookie a login sets (a GET needs no CSRF token).
    await context.addCookies([{ name: "tug_session", value: token, url: core.url }]);
    const loadTimes: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(core.url);
      await page
        .waitForFunction((n) => document.querySelectorAll("article.card").length === n, SERVERS)
        .catch(async (error: Error) => {
          const text = (await page.textContent("body").catch(() => "")) ?? "";
          throw new Error(
            `the dashboard did not show ${SERVERS} servers: ${error.message}\npage: ${text.slice(0, 500)}`,
          );
        });
      loadTimes.push(performance.now() - t0);
      await page.close();
    }
    // The fleet picture: navigation until every stack's box is drawn.
    const pictureTimes: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`${core.url}/fleet`);
      await page.waitForFunction(
        (n) => document.querySelectorAll("rect.fleet-node").length === n,
        SERVERS * STACKS_PER_SERVER,
      );
      pictureTimes.push(performance.now() - t0);
      await page.close();
    }
    // The palette over 5,000 items: more stacks, then Ctrl-K and a query until its results show.
    for (let i = SERVERS * STACKS_PER_SERVER; i < PALETTE_ITEMS; i += 1)
      await stacks.upsertDesired({
        name: `extra-${i}`,
        server: "host-00",
        sync: "root",
        project: `extra-${i}`,
        spec: {},
        fingerprint: "f",
      });
    const palettePage = await context.newPage();
    await palettePage.goto(core.url);
    await palettePage.waitForFunction((n) => document.querySelectorAll("article.card").length === n, SERVERS);
    const paletteTimes: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      await palettePage.keyboard.press("Control+k");
      const input = palettePage.getByRole("combobox", { name: /^Find a stack/ });
      await input.waitFor();
      // The items are loaded once the list shows them; then only the search is timed.
      await palettePage.waitForFunction(() => document.querySelectorAll('[role="option"]').length > 0);
      const query = `extra-${PALETTE_ITEMS - 1 - i}`;
      const elapsed = await palettePage.evaluate(async (q) => {
        const box = document.querySelector<HTMLInputElement>('input[role="combobox"]');
        if (!box) throw new Error("no palette input");
        const t0 = performance.now();
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
        setter?.call(box, q);
        box.dispatchEvent(new Event("input", { bubbles: true }));
        for (;;) {
          const first = document.querySelector('[role="option"] span');
          if (first?.textContent === q) return performance.now() - t0;
          await new Promise((resolve) => requestAnimationFrame(resolve));
        }
      }, query);
      paletteTimes.push(elapsed);
      await palettePage.keyboard.press("Escape");
    }
    await palettePage.close();
    await context.close();

    const picture = median(pictureTimes);
    const palette = median(paletteTimes);
    const cold = loadTimes[0] ?? 0;
    const warm = median(loadTimes.slice(1));
    const apiMs = median(apiTimes);
    return {
      name: "ui",
      title: `Web UI: bundle and dashboard load, ${SERVERS} servers / ${SERVERS * STACKS_PER_SERVER} stacks`,
      command: "npm run bench -- ui",
      rows: [
        {
          metric: "dashboard bundle (JS + CSS loaded at start), gzip",
          value: `${kb(sizes.gzip)} (${kb(sizes.raw)} raw)`,
        },
        { metric: "baseline: React + ReactDOM production files alone, gzip", value: kb(floor) },
        { metric: "ratio bundle / React floor", value: `${(sizes.gzip / floor).toFixed(2)}×` },
        { metric: "loaded later, only on server pages (uPlot charts), gzip", value: kb(sizes.lazy) },
        {
          metric: "dashboard load, first visit (navigation until 50 server cards render)",
          value: `${cold.toFixed(0)} ms`,
          goal: "< 1000 ms",
          ok: cold < 1000,
        },
        {
          metric: `dashboard load, cached assets (median of ${RUNS - 1})`,
          value: `${warm.toFixed(0)} ms`,
          goal: "< 1000 ms",
          ok: warm < 1000,
        },
        { metric: `baseline: GET /api/dashboard from Node (median of ${RUNS})`, value: `${apiMs.toFixed(1)} ms` },
        { metric: "ratio page (cached) / API call", value: `${(warm / apiMs).toFixed(1)}×` },
        {
          metric: `fleet picture: navigation until all ${SERVERS * STACKS_PER_SERVER} stack boxes are drawn (median of ${RUNS})`,
          value: `${picture.toFixed(0)} ms`,
          goal: "< 2× the dashboard",
          ok: picture < 2 * warm,
        },
        { metric: "ratio fleet picture / dashboard load (cached)", value: `${(picture / warm).toFixed(2)}×` },
        {
          metric: `command palette: typing a query until its results show, over ${PALETTE_ITEMS} stacks and their deploy/restart actions (median of ${RUNS})`,
          value: `${palette.toFixed(1)} ms`,
          goal: "< 100 ms",
          ok: palette < 100,
        },
        { metric: "ratio palette results / dashboard load (cached)", value: `${(palette / warm).toFixed(3)}×` },
      ],
    };
  } finally {
    await browser.close();
    await core.close();
    await data.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await writeResult(await benchUi());
