// Self-heal, rollback and deploy-gate settings: tugboat.toml's [reconcile]
// gives every stack's defaults, a stack's own fields win, and bad values are
// errors naming file, line and field.
import { describe, expect, it } from "vitest";
import { loadFiles, repo, stackToml } from "./fixture.js";

describe("self-heal and rollback settings", () => {
  it("defaults: self-heal off, rollback on, 3 heals in 10 minutes, restart after 3 failed healthchecks", async () => {
    const { fleet, errors } = await loadFiles(repo());
    expect(errors).toEqual([]);
    expect(fleet.stacks[0]?.reconcile).toEqual({
      self_heal: false,
      unhealthy_restart_after: 3,
      auto_rollback: true,
      heal_budget: 3,
      heal_window_minutes: 10,
      deploy_gate: "health",
    });
  });

  it("takes tugboat.toml's [reconcile] as every stack's default, and a stack's own fields over it", async () => {
    const { fleet, errors } = await loadFiles(
      repo({
        "tugboat.toml": "[reconcile]\nself_heal = true\nheal_budget = 5\n",
        "syncs/stacks.toml": stackToml("app", "", "auto_rollback = false") + stackToml("api", "", "self_heal = false"),
        "stacks/api/compose.yaml": "services:\n  api:\n    image: local/busybox:1\n",
      }),
    );
    expect(errors).toEqual([]);
    const byName = new Map(fleet.stacks.map((s) => [s.name, s.reconcile]));
    expect(byName.get("app")).toMatchObject({ self_heal: true, heal_budget: 5, auto_rollback: false });
    expect(byName.get("api")).toMatchObject({ self_heal: false, heal_budget: 5, auto_rollback: true });
  });

  it("refuses a wrong value with file, line and field, and warns of an unknown one", async () => {
    const { errors, warnings } = await loadFiles(
      repo({
        "tugboat.toml": "[reconcile]\nself_heal = true\nheal_budget = 0\nself_heel = true\n",
        "syncs/stacks.toml": stackToml("app", "", 'deploy_gate = "uptime"'),
      }),
    );
    expect(errors.map((e) => [e.file, e.line, e.field])).toEqual(
      expect.arrayContaining([
        ["tugboat.toml", 3, "reconcile.heal_budget"],
        ["syncs/stacks.toml", 7, expect.stringContaining("deploy_gate")],
      ]),
    );
    expect(warnings.find((w) => w.field === "reconcile.self_heel")?.message).toContain('did you mean "self_heal"');
  });
});

describe("uptime checks", () => {
  const labelled = (labels: string) => `services:
  web:
    image: local/busybox:1
    labels:
${labels}
`;

  it("reads checks from TOML and from service labels, with their defaults", async () => {
    const { fleet, errors } = await loadFiles(
      repo({
        "syncs/stacks.toml": stackToml(
          "app",
          "",
          '[[stack.config.checks]]\nname = "port"\ntcp = "127.0.0.1:5432"\ninterval = "30s"',
        ),
        "stacks/app/compose.yaml": labelled(
          '      tugboat.check.http: "http://127.0.0.1:8080/health"\n      tugboat.check.expect_status: "200"\n      tugboat.check.failures: "2"',
        ),
      }),
    );
    expect(errors).toEqual([]);
    expect(fleet.stacks[0]?.checks).toEqual([
      {
        name: "port",
        kind: "tcp",
        target: "127.0.0.1:5432",
        intervalSeconds: 30,
        expectStatus: null,
        expectBody: "",
        failures: 3,
        timeoutSeconds: 5,
      },
      {
        name: "web",
        service: "web",
        kind: "http",
        target: "http://127.0.0.1:8080/health",
        intervalSeconds: 60,
        expectStatus: 200,
        expectBody: "",
        failures: 2,
        timeoutSeconds: 5,
      },
    ]);
  });

  it("refuses a target by name (DNS could point it anywhere), with the file and line", async () => {
    const { errors } = await loadFiles(
      repo({
        "syncs/stacks.toml": stackToml("app", "", '[[stack.config.checks]]\nhttp = "http://metadata.internal/"'),
        "stacks/app/compose.yaml": labelled('      tugboat.check.tcp: "db.lan:5432"\n      tugboat.check.typo: "x"'),
        "stacks/api/compose.yaml": labelled(
          '      tugboat.check.tcp: "127.0.0.1:80"\n      tugboat.check.timeout: "1m"',
        ),
        "syncs/more.toml": stackToml("api"),
      }),
    );
    const byFile = new Map(errors.map((e) => [e.file, e]));
    expect(errors.map((e) => e.code)).toEqual(["E_INVALID_CHECK", "E_INVALID_CHECK", "E_INVALID_CHECK"]);
    expect(byFile.get("syncs/stacks.toml")).toMatchObject({ line: 7 });
    expect(byFile.get("syncs/stacks.toml")?.message).toContain('"metadata.internal" is a name');
    expect(byFile.get("stacks/app/compose.yaml")).toMatchObject({ line: 5 });
    expect(byFile.get("stacks/app/compose.yaml")?.message).toContain("unknown label tugboat.check.typo");
    expect(byFile.get("stacks/api/compose.yaml")?.message).toContain("tugboat.check.timeout: at most 20 s");
  });

  it("reads labels in list form, and does not run a check whose label uses a variable", async () => {
    const { fleet, errors, warnings } = await loadFiles(
      repo({
        "stacks/app/compose.yaml": `services:
  web:
    image: local/busybox:1
    labels:
      - tugboat.check.tcp=127.0.0.1:80
  api:
    image: local/busybox:1
    labels:
      tugboat.check.http: "http://127.0.0.1:\${PORT}/"
`,
      }),
    );
    expect(errors).toEqual([]);
    expect(fleet.stacks[0]?.checks.map((c) => [c.name, c.target])).toEqual([["web", "127.0.0.1:80"]]);
    expect(warnings.map((w) => w.code)).toContain("W_CHECK_NOT_RUN");
  });
});
