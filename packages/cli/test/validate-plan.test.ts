// The CLI contract scripts rely on: exit codes, JSON shapes, compiler-style lines.
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const HOMELAB = fileURLToPath(new URL("../../../examples/homelab", import.meta.url));

const tug = (args: string[]) =>
  run([process.execPath, "--conditions=tugboat-source", "--import", "tsx", BIN, ...args], { allowFailure: true });

let work: TempDir;

async function writeTree(root: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}
let broken: string;

beforeAll(async () => {
  work = await tempDir("tug-cli-");
  broken = join(work.path, "broken");
  await cp(HOMELAB, broken, { recursive: true });
  const file = join(broken, "syncs/stacks-apollo.toml");
  await writeFile(file, (await readFile(file, "utf8")).replace('server = "apollo"', 'server = "apolo"'));
});
afterAll(async () => {
  await work?.cleanup();
});

describe("tug validate", () => {
  it("exits 0 on examples/homelab", async () => {
    const result = await tug(["validate", HOMELAB]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ok: 3 servers, 13 stacks, \d+ warning\(s\)/m);
  });

  it("exits 1 with compiler-style lines on errors", async () => {
    const result = await tug(["validate", broken]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'syncs/stacks-apollo.toml:6:1 error unknown server "apolo" (did you mean "apollo"?)',
    );
  });

  it("prints { errors, warnings } with --json", async () => {
    const result = await tug(["validate", broken, "--json"]);
    expect(result.exitCode).toBe(1);
    const json = JSON.parse(result.stdout) as { errors: object[]; warnings: object[] };
    expect(json.errors).toEqual([
      {
        file: "syncs/stacks-apollo.toml",
        line: 6,
        column: 1,
        code: "E_UNKNOWN_SERVER",
        message: 'unknown server "apolo" (did you mean "apollo"?)',
        field: "stack.config.server",
      },
    ]);
    expect(json.warnings).toEqual([]);
    // Hardening lints are off unless asked for: counted, and listed with --lint.
    const counted = JSON.parse(result.stdout) as { suppressedLints: Record<string, number> };
    expect(Object.keys(counted.suppressedLints).length).toBeGreaterThan(0);
    const linted = JSON.parse((await tug(["validate", broken, "--json", "--lint"])).stdout) as { warnings: object[] };
    expect(linted.warnings.length).toBeGreaterThan(0);
    const text = await tug(["validate", broken]);
    expect(text.stdout).toMatch(
      /^lints off: \d+ finding\(s\) \(no_healthcheck \d+, no_new_privileges \d+\); show them with --lint/m,
    );
  });

  it("exits 2 for usage and I/O problems", async () => {
    expect((await tug(["validate", "--no-such-flag"])).exitCode).toBe(2);
    const missing = await tug(["validate", join(work.path, "missing")]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("is not a folder");
  });

  it("reads only the resource files named by --resources", async () => {
    const result = await tug(["validate", HOMELAB, "--resources", "syncs/servers.toml", "--json"]);
    expect(result.exitCode).toBe(0);
  });
});

describe("tug plan", () => {
  it("plans everything as new without a state, and nothing once the state is written", async () => {
    const stateFile = join(work.path, "state.json");
    const first = await tug(["plan", HOMELAB, "--json", "--write-state", stateFile]);
    expect(first.exitCode).toBe(0);
    const plan = JSON.parse(first.stdout) as {
      resources: Array<{ kind: string; name: string; action: string }>;
      deploys: Array<{ stack: string; server: string; wave: number; reasons: string[]; fingerprint: string }>;
    };
    expect(plan.resources.every((r) => r.action === "create")).toBe(true);
    expect(plan.deploys).toHaveLength(13);
    expect(plan.deploys[0]).toMatchObject({ wave: 1, reasons: ["new stack"] });
    expect(plan.deploys[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const second = await tug(["plan", HOMELAB, "--state", stateFile]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain("Deploys: none");
  });

  it("never prints or stores secret values", async () => {
    const stateFile = join(work.path, "secret-state.json");
    const result = await tug(["plan", HOMELAB, "--json", "--write-state", stateFile]);
    expect(result.stdout).not.toContain("change-me-in-core");
    // The state tracks the secret (so changing it redeploys) without holding its value.
    const state = JSON.parse(await readFile(stateFile, "utf8")) as {
      stacks: Record<string, { parts: { environment: Record<string, string> } }>;
    };
    expect(state.stacks.postgres?.parts.environment.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(stateFile, "utf8")).not.toContain("change-me-in-core");
    const validate = await tug(["validate", HOMELAB, "--json"]);
    expect(validate.stdout).not.toContain("change-me-in-core");
  });

  it("refuses to plan an invalid repository (exit 1) and rejects a bad state file (exit 2)", async () => {
    expect((await tug(["plan", broken])).exitCode).toBe(1);
    const bad = join(work.path, "bad-state.json");
    await writeFile(bad, '{"version": 2}');
    const result = await tug(["plan", HOMELAB, "--state", bad]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("is not a Tugboat state");
  });
});

describe("tug validate --repo NAME=PATH", () => {
  // The komodo-config shape: resources here, compose files in the repository a [[repo]] names.
  let config: string;
  let stacks: string;
  beforeAll(async () => {
    config = join(work.path, "komodo-config");
    stacks = join(work.path, "infra-stacks");
    await writeTree(config, {
      "komodo/resources.toml": `[[server]]
name = "nas"
[server.config]
address = "https://10.0.0.5:8120"
enabled = true

[[repo]]
name = "infra.stacks"
[repo.config]
git_provider = "github.com"
repo = "alice/infra-stacks"

[[stack]]
name = "sonarr"
[stack.config]
server = "nas"
linked_repo = "infra.stacks"
run_directory = "./src/media/sonarr"
file_paths = ["stack.compose.yaml"]
`,
    });
    await writeTree(stacks, { "src/media/sonarr/stack.compose.yaml": "services:\n  sonarr: [\n" });
  });

  it("without it, says the files were not checked; with it, checks them there (by [[repo]] name or owner/name)", async () => {
    const offline = await tug(["validate", config]);
    expect(offline.exitCode).toBe(0);
    expect(offline.stdout).toContain("not checked here: give --repo infra.stacks=PATH with a checkout of it");
    for (const name of ["infra.stacks", "alice/infra-stacks"]) {
      const checked = await tug(["validate", config, "--repo", `${name}=${stacks}`]);
      expect(checked.exitCode).toBe(1);
      expect(checked.stdout).toMatch(
        /^https:\/\/github\.com\/alice\/infra-stacks\.git#main:src\/media\/sonarr\/stack\.compose\.yaml:3:1 error /m,
      );
    }
    const typo = await tug(["validate", config, "--repo", `infra-stack=${stacks}`]);
    expect(typo.stderr).toContain("note: --repo infra-stack: no stack reads that repository");
    expect((await tug(["validate", config, "--repo", "infra.stacks"])).exitCode).toBe(2);
  });
});
