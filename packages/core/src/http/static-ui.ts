// Serves the built web UI: hashed assets cached for good, index.html for
// every other browser path (the UI routes on the client).
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import { TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import { API_PATHS } from "./auth-hooks.js";

export async function serveUi(app: FastifyInstance, dir: string): Promise<void> {
  const built = existsSync(join(dir, "index.html"));
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      wildcard: false,
      index: false,
      setHeaders(res, path) {
        res.setHeader("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (request.method !== "GET" || API_PATHS.test(path))
      throw new TugError("E_NOT_FOUND", `no route ${request.method} ${path}`);
    if (!built)
      return reply
        .type("text/plain")
        .send(`The web UI is not built (no ${dir}/index.html): run npm run build. The API is at /api.`);
    return reply.header("cache-control", "no-cache").header("link", preloads(path)).sendFile("index.html");
  });
}

/**
 * What the page asks core for first, as main.tsx does before its first render (the session
 * check; on "/" the dashboard's data too): named in a Link header, the browser asks while it
 * still loads and runs the scripts, and main.tsx's requests take those answers.
 */
function preloads(path: string): string {
  return (path === "/" ? ["/api/auth/me", "/api/dashboard"] : ["/api/auth/me"])
    .map((url) => `<${url}>; rel=preload; as=fetch; crossorigin`)
    .join(", ");
}
