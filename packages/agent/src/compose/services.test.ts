import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredImages, declaredServices } from "./services.js";

describe("reading a compose project's services and images", () => {
  let dir: string;
  let n = 0;
  /** Writes each text to its own file and returns the paths, in order. */
  const files = async (...texts: string[]) =>
    Promise.all(
      texts.map(async (text) => {
        n += 1;
        const path = join(dir, `compose-${n}.yaml`);
        await writeFile(path, text);
        return path;
      }),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tug-compose-images-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("names each distinct image of the services without a profile, or of those asked for", async () => {
    const paths = await files(`services:
  web: { image: "nginx:1.27" }
  worker: { image: "nginx:1.27" }
  db: { image: "127.0.0.1:5000/team/db@sha256:${"a".repeat(64)}" }
  debug: { image: busybox, profiles: [debug] }
`);
    expect(await declaredImages(paths, [], undefined)).toEqual([
      "nginx:1.27",
      `127.0.0.1:5000/team/db@sha256:${"a".repeat(64)}`,
    ]);
    expect(await declaredImages(paths, ["debug"], undefined)).toEqual(["busybox"]);
    expect(await declaredServices(paths)).toEqual(["web", "worker", "db"]);
  });

  it("takes a later file's image over an earlier one's, key by key", async () => {
    const paths = await files(
      "services:\n  web:\n    image: nginx:1.26\n    command: [sleep, '1']\n",
      "services:\n  web:\n    image: nginx:1.27\n",
    );
    expect(await declaredImages(paths, [], undefined)).toEqual(["nginx:1.27"]);
  });

  it("resolves variables in an image through the lookup it is given", async () => {
    const paths = await files(`services:
  web: { image: "ghcr.io/team/web:${"$"}{WEB_TAG:-1}" }
  db: { image: "${"$"}{REGISTRY}/team/db:${"$"}DB_TAG" }
`);
    const values: Record<string, string> = { REGISTRY: "127.0.0.1:5000", DB_TAG: "16" };
    expect(await declaredImages(paths, [], (name) => values[name])).toEqual([
      "ghcr.io/team/web:1",
      "127.0.0.1:5000/team/db:16",
    ]);
    expect(await declaredImages(paths, [], (name) => (name === "DB_TAG" ? "unsure" : values[name]))).toBeUndefined();
    expect(await declaredImages(paths, [], undefined)).toBeUndefined();
  });

  it("leaves to Compose whatever it alone can read", async () => {
    const cases = [
      `services:\n  web:\n    image: ghcr.io/team/web:${"$"}{TAG:-1}\n`,
      "services:\n  web:\n    image: team/web\n    build: .\n",
      "services:\n  web:\n    image: team/web\n    platform: linux/arm64\n",
      "services:\n  web:\n    image: team/web\n    pull_policy: never\n",
      "services:\n  base:\n    image: team/web\n  web:\n    extends: base\n",
      "include:\n  - other.yaml\nservices:\n  web:\n    image: team/web\n",
      "services:\n  web:\n    command: [sleep, '1']\n",
      "services: [not, a, mapping\n",
    ];
    for (const text of cases) expect(await declaredImages(await files(text), [], undefined), text).toBeUndefined();
    expect(
      await declaredImages(await files("services:\n  web:\n    image: nginx\n"), ["missing"], undefined),
    ).toBeUndefined();
  });
});
