// The analyses one load of a repository uses. Each file is read and analysed
// once per load however many stacks or steps use it; with an AnalysisCache,
// once per blob across loads, so only the files a push changed are read again.
import { type ComposeDocument, checkComposeSchema, parseCompose } from "../compose/parse-compose.js";
import { Diagnostics } from "../diagnostics.js";
import { analyseResourceFile, type ResourceFileAnalysis } from "../resources/read-resources.js";
import type { RepoSource } from "../source/repo-source.js";
import type { Analysed, AnalysisCache } from "./analysis-cache.js";

type Make<T> = (diagnostics: Diagnostics, readText: () => Promise<string>) => Promise<{ value: T; textBytes: number }>;

export class FileAnalyses {
  private readonly loaded = new Map<string, Promise<Analysed<unknown>>>();

  constructor(
    private readonly source: RepoSource,
    private readonly cache?: AnalysisCache,
  ) {}

  /** A TOML file's resources, checked, with the kinds it declares. */
  resourceFile(path: string): Promise<Analysed<ResourceFileAnalysis>> {
    return this.analyse("resources", path, async (diagnostics, readText) => {
      const text = await readText();
      return { value: analyseResourceFile(path, text, diagnostics), textBytes: text.length };
    });
  }

  /** A compose file's document (undefined when it does not parse). */
  compose(path: string): Promise<Analysed<ComposeDocument | undefined>> {
    return this.analyse("compose", path, async (diagnostics, readText) => {
      const text = await readText();
      return { value: parseCompose(path, text, diagnostics), textBytes: text.length };
    });
  }

  /** What the Compose Specification says of a parsed compose file (with `service`, of that one service). */
  composeSchema(path: string, compose: ComposeDocument, service?: string): Promise<Analysed<undefined>> {
    return this.analyse(`schema\u0000${service ?? ""}`, path, async (diagnostics) => {
      checkComposeSchema(compose, diagnostics, service);
      // What is kept is the findings alone: count each as a short text.
      return { value: undefined, textBytes: 16 + diagnostics.items.length * 256 };
    });
  }

  private analyse<T>(kind: string, path: string, make: Make<T>): Promise<Analysed<T>> {
    const id = `${kind}\u0000${path}`;
    let pending = this.loaded.get(id) as Promise<Analysed<T>> | undefined;
    if (!pending) {
      pending = this.made(kind, path, make);
      this.loaded.set(id, pending);
    }
    return pending;
  }

  private async made<T>(kind: string, path: string, make: Make<T>): Promise<Analysed<T>> {
    const readText = () => this.source.readText(path);
    const oid = this.cache ? (await this.source.entry(path))?.oid : undefined;
    if (this.cache && oid !== undefined) return this.cache.get({ kind, path, oid }, (d) => make(d, readText));
    const diagnostics = new Diagnostics();
    const { value } = await make(diagnostics, readText);
    return { value, diagnostics: diagnostics.items, suppressed: diagnostics.suppressed };
  }
}
