// Komodo's permission model as pure functions: roles' base grants, user
// groups by name, everyone and group claim, `all` per kind, targets by name,
// regex and tag, specific permissions, and API keys narrowed to a level.
import { UserGroupResource } from "@tugboat/config";
import { describe, expect, it } from "vitest";
import { OidcLogin, parseRoleMap, roleForGroups } from "./oidc.js";
import { allows, compileGroup, grantOn, type ResourceRef, type Subject } from "./permissions.js";

const group = (value: unknown) => compileGroup(UserGroupResource.parse(value));
const stack = (name: string, tags: string[] = []): ResourceRef => ({ kind: "stack", name, tags });
const member = (extra: Partial<Subject> = {}): Subject => ({
  username: "mia",
  role: "user",
  claimGroups: [],
  ...extra,
});

describe("permissions", () => {
  const media = group({
    name: "media-team",
    users: ["mia"],
    permissions: [{ target: { type: "Stack", tag: "media" }, level: "Execute", specific: ["Logs", "Terminal"] }],
  });

  it("grants a user-group member what targets a tag, and nothing elsewhere", () => {
    const jellyfin = grantOn(member(), [media], stack("jellyfin", ["media"]));
    expect(allows(jellyfin, "Execute")).toBe(true);
    expect(allows(jellyfin, "Read", "Logs")).toBe(true);
    expect(allows(jellyfin, "Execute", "Terminal")).toBe(true);
    expect(allows(jellyfin, "Write")).toBe(false);
    const postgres = grantOn(member(), [media], stack("postgres", ["db"]));
    expect(postgres.level).toBe("None");
    expect(allows(postgres, "Read")).toBe(false);
  });

  it("makes a user a member by name, by everyone = true, or by their OIDC group claim", () => {
    const target = stack("jellyfin", ["media"]);
    expect(grantOn(member({ username: "other" }), [media], target).level).toBe("None");
    expect(grantOn(member({ username: "other", claimGroups: ["media-team"] }), [media], target).level).toBe("Execute");
    const everyone = group({ name: "all-read", everyone: true, all: { Stack: "Read" } });
    expect(grantOn(member({ username: "other" }), [everyone], stack("x")).level).toBe("Read");
  });

  it("takes the highest of the role's base grant and every group's", () => {
    expect(grantOn(member({ role: "viewer" }), [media], stack("postgres")).level).toBe("Read");
    expect(grantOn(member({ role: "viewer" }), [media], stack("jellyfin", ["media"])).level).toBe("Execute");
    expect(grantOn(member({ role: "admin" }), [], stack("any")).level).toBe("Write");
    // Terminal is the admin's (or a group's) alone: an operator executes but opens no shell.
    expect(allows(grantOn(member({ role: "operator" }), [], stack("any")), "Execute", "Terminal")).toBe(false);
  });

  it("reads Komodo's forms: all.Kind as a level or with specifics, targets by name and by \\^regex$\\", () => {
    const komodo = group({
      name: "groupo",
      users: ["mia"],
      all: { Server: { level: "Read", specific: ["Logs"] }, Build: "Execute" },
      permissions: [
        { target: { type: "Stack", id: "immich" }, level: "Execute" },
        { target: { type: "Stack", id: "\\^john-(.+)$\\" }, level: "Write" },
      ],
    });
    expect(grantOn(member(), [komodo], { kind: "server", name: "nas", tags: [] }).level).toBe("Read");
    expect(grantOn(member(), [komodo], stack("immich")).level).toBe("Execute");
    expect(grantOn(member(), [komodo], stack("immich-2")).level).toBe("None");
    expect(grantOn(member(), [komodo], stack("john-blog")).level).toBe("Write");
    expect(grantOn(member(), [komodo], stack("mary-blog")).level).toBe("None");
  });

  it("narrows an API key to its level, whatever the user has", () => {
    const narrowed = grantOn(member({ role: "admin", maxLevel: "Read" }), [], stack("any"));
    expect(narrowed.level).toBe("Read");
    expect(allows(narrowed, "Execute")).toBe(false);
  });

  it("refuses a regex that can backtrack without end, a target with no id or tag, and unknown levels", () => {
    const bad = (permissions: unknown[]) => UserGroupResource.safeParse({ name: "g", permissions }).success;
    expect(bad([{ target: { type: "Stack", id: "\\^(a+)+$\\" }, level: "Read" }])).toBe(false);
    expect(bad([{ target: { type: "Stack", id: "\\^[$\\" }, level: "Read" }])).toBe(false);
    expect(bad([{ target: { type: "Stack" }, level: "Read" }])).toBe(false);
    expect(bad([{ target: { type: "Stack", id: "x" }, level: "Admin" }])).toBe(false);
    expect(bad([{ target: { type: "Stak", id: "x" }, level: "Read" }])).toBe(false);
    expect(bad([{ target: { type: "Stack", id: "x" }, level: "Read", specific: ["Logs"] }])).toBe(true);
  });
});

describe("OIDC roles", () => {
  const map = parseRoleMap("ops=operator, admins=admin,media=user");

  it("maps the group claim to the highest mapped role, else the default, else refuses", () => {
    expect(roleForGroups(["media", "ops"], map, undefined)).toBe("operator");
    expect(roleForGroups(["admins", "ops"], map, undefined)).toBe("admin");
    expect(roleForGroups(["guests"], map, "viewer")).toBe("viewer");
    expect(roleForGroups(["guests"], map, undefined)).toBeUndefined();
    expect(roleForGroups([], map, undefined)).toBeUndefined();
  });

  it("refuses an issuer reached over plain HTTP off this machine, and a missing client id", () => {
    const settings = {
      clientId: "tug",
      clientSecret: "s",
      scopes: "openid",
      name: "X",
      groupsClaim: "groups",
      roleMap: map,
    };
    expect(() => new OidcLogin({ ...settings, issuer: "http://id.example.com" })).toThrow(/https:\/\//);
    expect(() => new OidcLogin({ ...settings, issuer: "not a url" })).toThrow(/TUG_OIDC_ISSUER/);
    expect(() => new OidcLogin({ ...settings, issuer: "https://id.example.com", clientId: "" })).toThrow(/CLIENT_ID/);
    expect(new OidcLogin({ ...settings, issuer: "http://127.0.0.1:9" }).name).toBe("X");
  });

  it("names a bad TUG_OIDC_ROLE_MAP entry", () => {
    expect(() => parseRoleMap("ops=superuser")).toThrow(/TUG_OIDC_ROLE_MAP entry "ops=superuser"/);
    expect(() => parseRoleMap("ops")).toThrow(/GROUP=ROLE/);
  });
});
