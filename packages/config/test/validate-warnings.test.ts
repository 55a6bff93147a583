// Warnings never stop a deploy, but each says where and what to do.
import { describe, expect, it } from "vitest";
import { GOOD_COMPOSE, loadFiles, repo, SERVERS, stackToml } from "./fixture.js";

describe("validation warnings", () => {
  // Issue 21: in Komodo, variables live in core's database or a periphery's [secrets]; the repository only names them.
  it("an undeclared [[VARIABLE]] of a stack is one warning per name, at its first use", async () => {
    const toml = [
      stackToml("app", "", 'environment = """\nA=1\n  TOKEN = [[MISSING_TOKEN]]\n"""'),
      stackToml("web", "", 'extra_args = ["--wait-timeout", "[[TIMEOUT]]"]\nenvironment = "T=[[MISSING_TOKEN]]"'),
    ].join("");
    const files = repo({ "syncs/stacks.toml": toml, "stacks/web/compose.yaml": GOOD_COMPOSE });
    const { errors, warnings, fleet } = await loadFiles(files);
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.code, w.line, w.column, w.message])).toEqual([
      [
        "W_UNKNOWN_VARIABLE",
        9,
        11,
        "[[MISSING_TOKEN]] is not declared in this repository (2 stacks: app, web): it must be set in core or in the server agent's [secrets], or each deploy fails",
      ],
      [
        "W_UNKNOWN_VARIABLE",
        17,
        33,
        "[[TIMEOUT]] is not declared in this repository (stack \"web\"): it must be set in core or in the server agent's [secrets], or that stack's deploy fails",
      ],
    ]);
    expect(fleet.stacks.map((s) => [s.name, s.unresolvedVariables])).toEqual([
      ["app", ["MISSING_TOKEN"]],
      ["web", ["MISSING_TOKEN", "TIMEOUT"]],
    ]);
    expect(fleet.stacks[0]?.environment.map((e) => [e.name, e.value])).toEqual([
      ["A", "1"],
      ["TOKEN", "[[MISSING_TOKEN]]"],
    ]);
  });

  it("names the closest known field for an unknown one", async () => {
    const toml = stackToml("app").replace("run_directory", 'run_directory = "stacks/app"\nrun_dirctory');
    const { errors, warnings } = await loadFiles(repo({ "syncs/stacks.toml": toml }));
    expect(errors).toEqual([]);
    expect(warnings).toMatchObject([
      {
        code: "W_UNKNOWN_FIELD",
        file: "syncs/stacks.toml",
        line: 7,
        message: 'unknown field "run_dirctory" in stack.config (did you mean "run_directory"?); ignored',
      },
    ]);
  });

  it("warns about a disabled target server (servers are disabled unless enabled = true, as in Komodo)", async () => {
    const servers = SERVERS.replace(
      'address = "https://10.2.0.70:8120"\nenabled = true',
      'address = "https://10.2.0.70:8120"',
    );
    const { warnings } = await loadFiles(repo({ "syncs/servers.toml": servers }));
    expect(warnings.map((w) => [w.code, w.file, w.line])).toEqual([["W_SERVER_DISABLED", "syncs/stacks.toml", 5]]);
  });

  it("flags :latest and untagged images, and each hardening lint, when tugboat.toml turns them on", async () => {
    const compose = "services:\n  web:\n    image: nginx:latest\n  db:\n    image: postgres\n";
    const { warnings } = await loadFiles(
      repo({ "stacks/app/compose.yaml": compose, "tugboat.toml": "[lint]\nall = true\n" }),
    );
    expect(warnings.map((w) => [w.code, w.line])).toEqual(
      [
        ["W_IMAGE_LATEST", 3],
        ["W_NO_HEALTHCHECK", 2],
        ["W_NO_MEMORY_LIMIT", 2],
        ["W_NO_NEW_PRIVILEGES", 2],
        ["W_NO_RESTART_POLICY", 2],
        ["W_IMAGE_LATEST", 5],
        ["W_NO_HEALTHCHECK", 4],
        ["W_NO_MEMORY_LIMIT", 4],
        ["W_NO_NEW_PRIVILEGES", 4],
        ["W_NO_RESTART_POLICY", 4],
      ].sort((a, b) => Number(a[1]) - Number(b[1]) || String(a[0]).localeCompare(String(b[0]))),
    );
  });

  // Issue 21: on real repositories lints were 78% of all warnings. Off by default, counted for one summary line.
  it("keeps lints off unless asked, counting what they would say", async () => {
    const compose = "services:\n  web:\n    image: nginx:latest\n";
    const { warnings, suppressedLints } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }));
    expect(warnings).toEqual([]);
    expect(suppressedLints).toEqual({
      latest_image: 1,
      no_healthcheck: 1,
      no_memory_limit: 1,
      no_new_privileges: 1,
      no_restart_policy: 1,
    });
    const asked = await loadFiles(repo({ "stacks/app/compose.yaml": compose }), {}, { lint: true });
    expect(asked.warnings).toHaveLength(5);
  });

  it("turns lints on in tugboat.toml, all or one by one", async () => {
    const compose = "services:\n  web:\n    image: nginx:latest\n";
    const { warnings, suppressedLints } = await loadFiles(
      repo({
        "stacks/app/compose.yaml": compose,
        "tugboat.toml": "[lint]\nlatest_image = false\nall = true\nno_healthcheck = false\nno_memory_limit = false\n",
      }),
    );
    expect(warnings.map((w) => w.code).sort()).toEqual(["W_NO_NEW_PRIVILEGES", "W_NO_RESTART_POLICY"]);
    expect(suppressedLints).toEqual({ latest_image: 1, no_healthcheck: 1, no_memory_limit: 1 });
  });

  it("does not ask one-shot init services for healthchecks or restart policies", async () => {
    const compose = `${GOOD_COMPOSE}    depends_on:
      migrate:
        condition: service_completed_successfully
  migrate:
    image: local/busybox:1
    command: ["true"]
`;
    const { warnings, errors } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }), {}, { lint: true });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("reads Komodo kinds and fields it does not support, reporting each once", async () => {
    const toml = `${stackToml("app", "", 'build_extra_args = ["--no-cache"]\nfiles_on_host = true')}${stackToml("b", "", "build_extra_args = []")}
[[procedure]]
name = "nightly"

[[procedure]]
name = "weekly"

[[deployment]]
name = "old"
`;
    const { errors, warnings } = await loadFiles(
      repo({ "syncs/stacks.toml": toml, "stacks/b/compose.yaml": GOOD_COMPOSE }),
    );
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message).sort()).toEqual([
      "[[deployment]] resources: not supported yet, read and ignored",
      "[[procedure]] resources: not supported yet, read and ignored",
      "field stack.config.build_extra_args: not supported yet, read and ignored (2 places; first here)",
      "field stack.config.files_on_host: not supported yet, read and ignored",
    ]);
  });

  it("warns that auto_update = false no longer holds a push back, unless deploy_on_push says so", async () => {
    const toml = `${stackToml("app", "", "auto_update = false")}${stackToml("b", "", "auto_update = false\ndeploy_on_push = true")}`;
    const { errors, warnings, fleet } = await loadFiles(
      repo({ "syncs/stacks.toml": toml, "stacks/b/compose.yaml": GOOD_COMPOSE }),
    );
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.code, w.line, w.field])).toEqual([
      ["W_AUTO_UPDATE_MEANING", 7, "stack.config.auto_update"],
    ]);
    expect(fleet?.stacks.map((s) => [s.name, s.config.deploy_on_push, s.config.poll_for_updates])).toEqual([
      ["app", true, false],
      ["b", true, false],
    ]);
  });

  it("warns when linked_repo names no [[repo]], and deploys from the sync's repository", async () => {
    const toml = stackToml("app", "", 'linked_repo = "Github-dsschmeichel"');
    const { warnings, fleet } = await loadFiles(repo({ "syncs/stacks.toml": toml }));
    expect(warnings.map((w) => [w.code, w.line])).toEqual([["W_LINKED_REPO_UNDEFINED", 7]]);
    expect(fleet.stacks[0]?.source).toEqual({ kind: "sync" });
  });

  it("a rw bind mount inside the run directory may be missing: Docker creates it", async () => {
    const compose = GOOD_COMPOSE.replace(
      "    restart: unless-stopped",
      "    restart: unless-stopped\n    volumes:\n      - ./data:/data",
    );
    const { errors, warnings } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }));
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.code, w.line])).toEqual([["W_MISSING_BIND_SOURCE", 8]]);
  });
});
