// The agent build core offers: the single-file tugboat-agent.mjs, its version
// (from the build's first line) and the SHA-256 published next to it
// (tugboat-agent.mjs.sha256, as scripts/bundle-agent.mjs writes it). Agents
// check what they receive against that hash, so core never computes it.
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { TugError } from "@tugboat/protocol";

export interface AgentBuild {
  file: string;
  version: string;
  sha256: string;
  size: number;
}

/** Where `npm run build` puts it, next to core in the source tree. */
export const DEFAULT_AGENT_BUILD = fileURLToPath(
  new URL("../../../../agent/bundle/tugboat-agent.mjs", import.meta.url),
);

const BANNER = /^\/\/ tugboat-agent ([0-9A-Za-z.+-]{1,64}):/;

export class AgentBuilds {
  private cached: { mtimeMs: number; build: AgentBuild } | undefined;

  constructor(private readonly file: string) {}

  /** The build on disk now, or undefined when there is none (then there is nothing to upgrade to). */
  async current(): Promise<AgentBuild | undefined> {
    if (!existsSync(this.file)) return undefined;
    const { mtimeMs, size } = await stat(this.file);
    if (this.cached?.mtimeMs === mtimeMs) return this.cached.build;
    const head = (await readFile(this.file, "utf8")).slice(0, 200);
    const version = BANNER.exec(head)?.[1];
    if (!version)
      throw new TugError("E_INTERNAL", `${this.file} is not a tugboat-agent build (no version on its first line)`);
    const published = `${this.file}.sha256`;
    if (!existsSync(published))
      throw new TugError(
        "E_INTERNAL",
        `${published} is missing: an agent build is offered only with its published SHA-256`,
      );
    const sha256 = (await readFile(published, "utf8")).trim().split(/\s+/)[0] ?? "";
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TugError("E_INTERNAL", `${published} does not hold a SHA-256`);
    const build = { file: this.file, version, sha256, size };
    this.cached = { mtimeMs, build };
    return build;
  }

  /** The build's bytes with its published hash (what an upgrade sends). */
  async read(): Promise<AgentBuild & { data: Buffer }> {
    const build = await this.current();
    if (!build)
      throw new TugError(
        "E_NOT_FOUND",
        `no agent build at ${this.file} (npm run build makes it; or set TUG_AGENT_BUILD)`,
      );
    return { ...build, data: await readFile(build.file) };
  }
}
