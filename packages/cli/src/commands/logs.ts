// `tug logs [STACK]`: the fleet's stored logs. The last lines (of a stack, a
// server, a service, or all), filtered by words (`--grep`, or `--search`
// across the fleet), then with -f the new ones as they arrive from every
// host. One line each: time, server/stack/service, the line.
import type { LogSearchView, StoredLogLineView } from "@tugboat/protocol";
import { CoreClient } from "../core-client.js";
import { EXIT_OK } from "../exit-codes.js";

export interface LogsOptions {
  core?: string;
  grep?: string;
  search?: string;
  follow?: boolean;
  since?: string;
  server?: string;
  service?: string;
  level?: string;
  limit?: string;
  json?: boolean;
}

function print(line: StoredLogLineView, json: boolean | undefined): void {
  process.stdout.write(
    json ? `${JSON.stringify(line)}\n` : `${line.at} ${line.server}/${line.stack}/${line.service} ${line.line}\n`,
  );
}

export async function logsCommand(stack: string | undefined, options: LogsOptions): Promise<number> {
  const client = await CoreClient.from(options);
  const filter = new URLSearchParams();
  const words = options.search ?? options.grep;
  if (words) filter.set("q", words);
  if (stack) filter.set("stack", stack);
  if (options.server) filter.set("server", options.server);
  if (options.service) filter.set("service", options.service);
  if (options.level) filter.set("level", options.level);
  const recent = new URLSearchParams(filter);
  if (options.since) recent.set("since", options.since);
  recent.set("limit", options.limit ?? "100");
  const page = await client.request<LogSearchView>("GET", `/api/logs?${recent}`);
  for (const line of page.lines) print(line, options.json);
  if (!options.follow) return EXIT_OK;
  // Until Ctrl-C: the lines stored from now on, from every host.
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  const seen = new Set(page.lines.map((l) => l.id));
  await client.events(
    `/api/logs/tail?${filter}`,
    (name, data) => {
      if (name === "dropped")
        process.stderr.write(`(${(data as { dropped: number }).dropped} lines skipped: this terminal fell behind)\n`);
      if (name !== "lines") return;
      for (const line of data as StoredLogLineView[]) if (!seen.has(line.id)) print(line, options.json);
    },
    stop.signal,
  );
  return EXIT_OK;
}
