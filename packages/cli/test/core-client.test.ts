// `tug` against a core that stops answering: every call has a deadline and
// says which one it hit, instead of hanging.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { run } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const NODE = [process.execPath, "--conditions=tugboat-source", "--import", "tsx", BIN];

describe("tug against a silent core", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Answers nothing to a request; opens an event stream and then falls silent.
    server = createServer((request, reply) => {
      if (request.url?.startsWith("/api/logs?")) {
        reply.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ lines: [] }));
      } else if (request.url?.startsWith("/api/logs/tail")) {
        reply.writeHead(200, { "content-type": "text/event-stream" });
        reply.write(": hello\n\n");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const tug = (args: string[], env: Record<string, string>) =>
    run([...NODE, ...args], {
      env: { ...process.env, TUG_CORE_URL: url, TUG_TOKEN: "t", ...env },
      allowFailure: true,
    });

  it("gives up a request after TUG_TIMEOUT_SECONDS (exit 2)", async () => {
    const started = Date.now();
    const result = await tug(["ls", "stacks"], { TUG_TIMEOUT_SECONDS: "1" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("no answer within 1 s (TUG_TIMEOUT_SECONDS)");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("gives up a stream that sends nothing for TUG_STREAM_IDLE_SECONDS (exit 2)", async () => {
    const result = await tug(["logs", "--search", "x", "-f"], { TUG_STREAM_IDLE_SECONDS: "1" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("sent nothing for 1 s");
  });
});
