import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeLookup, interpolate, type Lookup } from "./interpolate.js";

const D = "$";
const from =
  (values: Record<string, string | "unsure">): Lookup =>
  (name) =>
    values[name];

describe("resolving a compose image's variables as Compose does", () => {
  let dir: string;
  const envFile = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tug-interpolate-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads braced and bare variables, and the defaults Compose knows", () => {
    const values = from({ TAG: "2", EMPTY: "" });
    expect(interpolate(`web:${D}{TAG}`, values)).toBe("web:2");
    expect(interpolate(`web:${D}TAG`, values)).toBe("web:2");
    expect(interpolate(`web:${D}{UNSET:-1}`, values)).toBe("web:1");
    expect(interpolate(`web:${D}{EMPTY:-1}`, values)).toBe("web:1");
    expect(interpolate(`web:${D}{UNSET-1}`, values)).toBe("web:1");
    expect(interpolate(`web${D}{EMPTY-}:3`, values)).toBe("web:3");
    expect(interpolate(`web:${D}{TAG:?set it}`, values)).toBe("web:2");
  });

  it("answers undefined where Compose would complain or versions differ", () => {
    const values = from({ TAG: "2", ODD: "unsure", EMPTY: "" });
    for (const text of [
      `web:${D}{UNSET}`,
      `web:${D}{EMPTY:?set it}`,
      `web:${D}{UNSET?set it}`,
      `web:${D}{ODD}`,
      `web:${D}{UNSET:-${D}{TAG}}`,
      `web:${D}${D}TAG`,
      `web:${D}{TAG`,
    ])
      expect(interpolate(text, values), text).toBeUndefined();
    expect(interpolate(`web:${D}{TAG}`, from({ TAG: `${D}{OTHER}` }))).toBeUndefined();
  });

  it("takes the environment over the env files, and later files over earlier ones", async () => {
    const first = await envFile("first.env", `# comment\nexport TAG=1\nREGISTRY='127.0.0.1:5000'\nNAME="team/web"\n`);
    const second = await envFile("second.env", "TAG=2\nOTHER=3\n");
    const lookup = await composeLookup([first, second], { OTHER: "from-env" }, [dir]);
    expect([lookup?.("TAG"), lookup?.("REGISTRY"), lookup?.("NAME"), lookup?.("OTHER"), lookup?.("NONE")]).toEqual([
      "2",
      "127.0.0.1:5000",
      "team/web",
      "from-env",
      undefined,
    ]);
  });

  it("is unsure of values read differently by Compose versions, and of files or settings it cannot follow", async () => {
    const odd = await envFile("odd.env", `A="with \\"escape\\""\nB=x # comment\nC=${D}{A}\nD=" padded"\nE= lead\n`);
    const lookup = await composeLookup([odd], {}, [dir]);
    expect(["A", "B", "C", "E"].map((name) => lookup?.(name))).toEqual(["unsure", "unsure", "unsure", "unsure"]);
    expect(lookup?.("D")).toBe(" padded");
    expect(await composeLookup([await envFile("bare.env", "JUST_A_NAME\n")], {}, [dir])).toBeUndefined();
    expect(await composeLookup([join(dir, "missing.env")], {}, [dir])).toBeUndefined();
    expect(await composeLookup([await envFile("profiles.env", "COMPOSE_PROFILES=debug\n")], {}, [dir])).toBeUndefined();
    expect(
      await composeLookup([await envFile("plain.env", "A=1\n")], { COMPOSE_PROFILES: "debug" }, [dir]),
    ).toBeUndefined();
  });

  it("with no env file, reads the environment alone unless a .env is where Compose would find it", async () => {
    const project = join(dir, "project");
    await mkdir(join(project, "compose"), { recursive: true });
    const dirs = [project, join(project, "compose")];
    const lookup = await composeLookup([], { TAG: "2" }, dirs);
    expect([lookup?.("TAG"), lookup?.("OTHER")]).toEqual(["2", undefined]);
    await writeFile(join(project, "compose", ".env"), "TAG=3\n");
    expect(await composeLookup([], { TAG: "2" }, dirs)).toBeUndefined();
  });
});
