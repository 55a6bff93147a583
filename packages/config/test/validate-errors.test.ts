// Every error class of `tug validate`, each from a broken fixture, asserting
// the file, line and message an operator would see.
import { describe, expect, it } from "vitest";
import { GOOD_COMPOSE, loadFiles, repo, SERVERS, stackToml } from "./fixture.js";

const only = async (files: Record<string, string>, code: string) => {
  const { errors } = await loadFiles(files);
  const matching = errors.filter((e) => e.code === code);
  expect(matching, JSON.stringify(errors, null, 2)).toHaveLength(1);
  return matching[0];
};

describe("validation errors", () => {
  it("accepts the valid fixture with no errors and no warnings", async () => {
    const { errors, warnings, fleet } = await loadFiles(repo());
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(fleet.stacks.map((s) => s.name)).toEqual(["app"]);
  });

  it("TOML syntax", async () => {
    const error = await only(repo({ "syncs/stacks.toml": '[[stack]]\nname = "app"\nserver = \n' }), "E_TOML_SYNTAX");
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 3 });
    expect(error?.message).toMatch(/^TOML syntax error/);
  });

  it("wrong type", async () => {
    const error = await only(
      repo({ "syncs/stacks.toml": stackToml("app", "", 'auto_update = "yes"') }),
      "E_INVALID_TYPE",
    );
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 7, column: 1, field: "stack.config.auto_update" });
    expect(error?.message).toContain('stack "app": config.auto_update');
    expect(error?.message).toContain("expected boolean");
  });

  it("a log alert pattern RE2 cannot run (a lookahead: it could stall a backtracking engine)", async () => {
    const error = await only(
      repo({
        "syncs/stacks.toml": stackToml(
          "app",
          "",
          'log_alerts = [{ pattern = "panic" }, { pattern = "(?=timeout)x", severity = "critical" }]',
        ),
      }),
      "E_INVALID_VALUE",
    );
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 7, field: "stack.config.log_alerts.1.pattern" });
    expect(error?.message).toContain("is not a pattern RE2 can run");
  });

  it("a maintenance window in an unknown timezone", async () => {
    const servers = `${SERVERS}[[server.config.maintenance_windows]]\nschedule_type = "Daily"\nhour = 3\ntimezone = "Europe/Berln"\n`;
    const error = await only(repo({ "syncs/servers.toml": servers }), "E_INVALID_VALUE");
    expect(error).toMatchObject({
      file: "syncs/servers.toml",
      line: 16,
      field: "server.config.maintenance_windows.0.timezone",
    });
    expect(error?.message).toContain('unknown timezone "Europe/Berln"');
  });

  it("unknown server, with a suggestion", async () => {
    const toml = stackToml("app").replace('server = "hercules"', 'server = "apolo"');
    const error = await only(repo({ "syncs/stacks.toml": toml }), "E_UNKNOWN_SERVER");
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 5, column: 1 });
    expect(error?.message).toBe('unknown server "apolo" (did you mean "apollo"?)');
  });

  it("unknown variable in a server's passkey", async () => {
    const servers = SERVERS.replace(
      "enabled = true\n\n[[server]]",
      'enabled = true\npasskey = "[[HERCULES_PASSKEY]]"\n\n[[server]]',
    );
    const error = await only(repo({ "syncs/servers.toml": servers }), "E_UNKNOWN_VARIABLE");
    expect(error).toMatchObject({ file: "syncs/servers.toml", line: 7, field: "server.config.passkey" });
    expect(error?.message).toBe('server "hercules": unknown variable [[HERCULES_PASSKEY]] in passkey');
  });

  it("an outbound server with an address", async () => {
    const servers = SERVERS.replace(
      'address = "https://100.102.0.11:8120"',
      'connection = "outbound"\naddress = "https://100.102.0.11:8120"',
    );
    const { errors, fleet } = await loadFiles(repo({ "syncs/servers.toml": servers }));
    expect(errors).toEqual([
      expect.objectContaining({
        file: "syncs/servers.toml",
        line: 12,
        field: "server.config.address",
        message: expect.stringContaining("an outbound server has no address (its agent dials core)"),
      }),
    ]);
    expect(fleet.servers.map((s) => s.name)).toEqual(["hercules"]);
    const outbound = SERVERS.replace('address = "https://100.102.0.11:8120"', 'connection = "outbound"');
    const valid = await loadFiles(repo({ "syncs/servers.toml": outbound }));
    expect(valid.errors).toEqual([]);
    expect(valid.fleet.servers.find((s) => s.name === "apollo")?.config.connection).toBe("outbound");
  });

  it("unknown `after` stack", async () => {
    const error = await only(
      repo({ "syncs/stacks.toml": stackToml("app", 'after = ["postgress"]') }),
      "E_UNKNOWN_STACK",
    );
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 4 });
    expect(error?.message).toBe('stack "app" is after unknown stack "postgress"');
  });

  it("duplicate names", async () => {
    const error = await only(
      repo({ "syncs/more.toml": stackToml("app").replace("stacks/app", "stacks/app") }),
      "E_DUPLICATE_NAME",
    );
    expect(error?.file).toBe("syncs/stacks.toml");
    expect(error?.message).toBe('duplicate stack "app" (first declared at syncs/more.toml:2)');
  });

  it("`after` cycles, showing the cycle", async () => {
    const files = repo({
      "syncs/stacks.toml": [
        stackToml("a", 'after = ["b"]'),
        stackToml("b", 'after = ["c"]'),
        stackToml("c", 'after = ["a"]'),
      ].join(""),
      "stacks/a/compose.yaml": GOOD_COMPOSE,
      "stacks/b/compose.yaml": GOOD_COMPOSE,
      "stacks/c/compose.yaml": GOOD_COMPOSE,
    });
    const error = await only(files, "E_AFTER_CYCLE");
    expect(error?.message).toBe("deploy order has a cycle: a → b → c → a");
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 4 });
  });

  it("two stacks with one project name on one server", async () => {
    const files = repo({
      "syncs/stacks.toml": stackToml("app") + stackToml("app2", "", 'project_name = "app"'),
      "stacks/app2/compose.yaml": GOOD_COMPOSE,
    });
    const error = await only(files, "E_DUPLICATE_PROJECT");
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 8 });
    expect(error?.message).toBe('stacks "app" and "app2" both use project name "app" on server "hercules"');
  });

  it("missing run directory", async () => {
    const { "stacks/app/compose.yaml": _, ...files } = repo();
    const error = await only(files, "E_MISSING_RUN_DIRECTORY");
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 6 });
    expect(error?.message).toMatch(/^stack "app": run_directory "stacks\/app" does not exist in working tree/);
  });

  it("missing compose file", async () => {
    const files = repo({ "syncs/stacks.toml": stackToml("app", "", 'file_paths = ["docker-compose.prod.yml"]') });
    const error = await only(files, "E_MISSING_COMPOSE_FILE");
    expect(error).toMatchObject({ file: "syncs/stacks.toml", line: 7 });
    expect(error?.message).toContain('compose file "stacks/app/docker-compose.prod.yml" does not exist');
  });

  it("finds docker-compose.yml when there is no compose.yaml", async () => {
    const { "stacks/app/compose.yaml": compose = "", ...files } = repo();
    const { errors, fleet } = await loadFiles({ ...files, "stacks/app/docker-compose.yml": compose });
    expect(errors).toEqual([]);
    expect(fleet.stacks[0]?.composeFiles).toEqual(["stacks/app/docker-compose.yml"]);
  });

  it("resolves relative paths from the first compose file's folder, as Compose does", async () => {
    const compose = GOOD_COMPOSE.replace(
      "    restart: unless-stopped",
      "    restart: unless-stopped\n    env_file: app.env",
    );
    const { "stacks/app/compose.yaml": _, ...files } = repo({
      "syncs/stacks.toml": stackToml("app", "", 'file_paths = ["deploy/compose.yaml"]'),
      "stacks/app/deploy/compose.yaml": compose,
      "stacks/app/deploy/app.env": "A=1\n",
    });
    const { errors, fleet } = await loadFiles(files);
    expect(errors).toEqual([]);
    expect(fleet.stacks[0]?.composeFiles).toEqual(["stacks/app/deploy/compose.yaml"]);
  });

  it("compose YAML syntax", async () => {
    const error = await only(
      repo({ "stacks/app/compose.yaml": "services:\n  web:\n    image: [unclosed\n" }),
      "E_COMPOSE_YAML",
    );
    expect(error?.file).toBe("stacks/app/compose.yaml");
    expect(error?.line).toBeGreaterThanOrEqual(3);
  });

  it("compose schema violations, with the closest key", async () => {
    const compose = GOOD_COMPOSE.replace(
      "    restart: unless-stopped",
      "    restart: unless-stopped\n    imagee: x\n    ports: 80",
    );
    const { errors } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }));
    expect(errors.map((e) => [e.code, e.file, e.line, e.message])).toEqual([
      [
        "E_COMPOSE_SCHEMA",
        "stacks/app/compose.yaml",
        7,
        'unknown key "imagee" in services.web (did you mean "image"?)',
      ],
      ["E_COMPOSE_SCHEMA", "stacks/app/compose.yaml", 8, "services.web.ports must be array"],
    ]);
  });

  it("missing env file and read-only bind mount source", async () => {
    const compose = GOOD_COMPOSE.replace(
      "    restart: unless-stopped",
      "    restart: unless-stopped\n    env_file: app.env\n    volumes:\n      - ../../config/app.yml:/etc/app.yml:ro",
    );
    const { errors } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }));
    expect(errors.map((e) => [e.code, e.file, e.line, e.message])).toEqual([
      [
        "E_MISSING_FILE",
        "stacks/app/compose.yaml",
        7,
        expect.stringMatching(
          /^env_file "app.env" of service web does not exist: stacks\/app\/app.env is not in working tree/,
        ),
      ],
      [
        "E_MISSING_FILE",
        "stacks/app/compose.yaml",
        9,
        expect.stringMatching(
          /^bind mount "..\/..\/config\/app.yml" of service web does not exist: config\/app.yml is not/,
        ),
      ],
    ]);
  });

  it("paths that escape the repository", async () => {
    const compose = GOOD_COMPOSE.replace(
      "    restart: unless-stopped",
      "    restart: unless-stopped\n    volumes:\n      - ../../../../etc/passwd:/etc/passwd:ro",
    );
    const error = await only(repo({ "stacks/app/compose.yaml": compose }), "E_PATH_ESCAPE");
    expect(error).toMatchObject({ file: "stacks/app/compose.yaml", line: 8 });
    expect(error?.message).toContain('bind mount "../../../../etc/passwd" leaves the repository');

    const toml = stackToml("app").replace('run_directory = "stacks/app"', 'run_directory = "../../etc"');
    const runError = await only(repo({ "syncs/stacks.toml": toml }), "E_PATH_ESCAPE");
    expect(runError).toMatchObject({ file: "syncs/stacks.toml", line: 6 });
  });

  it("collects every problem instead of stopping at the first", async () => {
    const toml = stackToml("app").replace('server = "hercules"', 'server = "nope"') + stackToml("b", 'after = ["zzz"]');
    const { errors } = await loadFiles(
      repo({ "syncs/stacks.toml": toml, "syncs/servers.toml": `${SERVERS}\n[[server]]\nname = 3\n` }),
    );
    expect(new Set(errors.map((e) => e.code))).toEqual(
      new Set(["E_UNKNOWN_SERVER", "E_UNKNOWN_STACK", "E_MISSING_RUN_DIRECTORY", "E_INVALID_TYPE"]),
    );
  });
});
