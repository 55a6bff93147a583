import type { Fleet } from "@tugboat/config";
import { describe, expect, it } from "vitest";
import { ownershipErrors } from "./ownership.js";

const at = (line: number) => ({ file: "syncs/x.toml", line, column: 1 });
const fleet = {
  servers: [{ name: "alpha", at: at(1) }],
  stacks: [{ name: "web", at: at(5) }],
  syncs: [
    { name: "root", at: at(9), self: false },
    { name: "mine", at: at(12), self: false },
    { name: "child", at: at(15), self: true },
  ],
} as unknown as Fleet;

describe("ownershipErrors", () => {
  it("refuses names another sync owns, at their lines", () => {
    const errors = ownershipErrors("child", fleet, {
      servers: new Map([["alpha", "root"]]),
      stacks: new Map([["web", "root"]]),
      syncs: new Map<string, string | null>([
        ["root", null],
        ["mine", "child"],
        ["child", "root"],
      ]),
    });
    expect(errors.map((e) => [e.code, e.line, e.field])).toEqual([
      ["E_OWNED_BY_OTHER_SYNC", 1, "server.name"],
      ["E_OWNED_BY_OTHER_SYNC", 5, "stack.name"],
      ["E_OWNED_BY_OTHER_SYNC", 9, "resource_sync.name"],
    ]);
    expect(errors[0]?.message).toContain('server "alpha" belongs to sync "root"');
  });

  it("lets a sync change what it owns and claim what nobody owns", () => {
    expect(
      ownershipErrors("root", fleet, {
        servers: new Map([["alpha", "root"]]),
        stacks: new Map([["web", ""]]),
        syncs: new Map<string, string | null>([["mine", "root"]]),
      }),
    ).toEqual([]);
  });
});
