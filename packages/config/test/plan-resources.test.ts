// Resource create/update/delete in the plan, and when deletes are allowed.
import { describe, expect, it } from "vitest";
import { planFleet } from "../src/index.js";
import { GOOD_COMPOSE, loadFiles, repo, stackToml } from "./fixture.js";

const sync = (options: string) =>
  `[[resource_sync]]\nname = "fleet"\n[resource_sync.config]\nresource_path = ["syncs"]\n${options}\n`;

async function twoThenOne(syncOptions: string) {
  const before = await loadFiles(
    repo({
      "syncs/sync.toml": sync(syncOptions),
      "syncs/stacks.toml": stackToml("app") + stackToml("old"),
      "stacks/old/compose.yaml": GOOD_COMPOSE,
    }),
  );
  const after = await loadFiles(repo({ "syncs/sync.toml": sync(syncOptions) }));
  expect([...before.errors, ...after.errors]).toEqual([]);
  return planFleet(after.fleet, planFleet(before.fleet).state);
}

describe("resource actions", () => {
  it("keeps resources that are gone unless the sync deletes or is managed", async () => {
    const plan = await twoThenOne("");
    expect(plan.resources).toEqual([]);
    expect(plan.kept).toEqual([{ kind: "stack", name: "old" }]);
  });

  it("deletes them with delete = true or managed = true", async () => {
    for (const options of ["delete = true", "managed = true"]) {
      const plan = await twoThenOne(options);
      expect(plan.resources).toEqual([{ kind: "stack", name: "old", action: "delete" }]);
      expect(plan.state.stacks.old).toBeUndefined();
    }
  });

  it("marks a changed resource as update and a new one as create", async () => {
    const first = await loadFiles(repo());
    const second = await loadFiles(
      repo({
        "syncs/stacks.toml": stackToml("app", 'description = "now documented"') + stackToml("new"),
        "stacks/new/compose.yaml": GOOD_COMPOSE,
      }),
    );
    const plan = planFleet(second.fleet, planFleet(first.fleet).state);
    expect(plan.resources).toEqual([
      { kind: "stack", name: "app", action: "update" },
      { kind: "stack", name: "new", action: "create" },
    ]);
    expect(plan.deploys.map((d) => [d.stack, d.reasons])).toEqual([["new", ["new stack"]]]);
  });
});
