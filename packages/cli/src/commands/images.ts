// `tug images [STACK] [--check]`, `tug images update STACK [SERVICE…]`: what
// each checked service runs against what its registry has, newer versions of
// version-like tags, and updates now. `tug registry ls | login | logout`: the
// registry credentials core checks with (a password is read from standard
// input, never from the command line, and never shown again).
import type { ImageCheckReply, ImageCheckView, ImagesView, RegistryCredentialsView } from "@tugboat/protocol";
import { CoreClient } from "../core-client.js";
import { EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { readStdinValue } from "../stdin.js";
import { table } from "../table.js";
import { followAndReport } from "./remote.js";

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, "").slice(0, 12) : "-");
const stackPath = (stack: string) => `/api/stacks/${encodeURIComponent(stack)}`;

function newest(row: ImageCheckView): string {
  if (!row.versions) return "";
  const groups = (["patch", "minor", "major"] as const).filter((g) => row.versions?.[g].length);
  return groups.map((g) => `${g} ${row.versions?.[g].at(-1)}`).join(", ");
}

function describe(row: ImageCheckView): string {
  const parts = [row.note ?? "", newest(row) ? `newer: ${newest(row)}` : ""].filter(Boolean);
  return parts.join("; ");
}

export async function imagesCommand(
  stack: string | undefined,
  options: { core?: string; check?: boolean; json?: boolean },
): Promise<number> {
  const client = await CoreClient.from(options);
  if (options.check) {
    const round = await client.request<ImageCheckReply>(
      "POST",
      stack ? `${stackPath(stack)}/images/check` : "/api/images/check",
      stack ? undefined : {},
    );
    if (!options.json)
      process.stdout.write(
        `checked ${round.stacks} stack(s), ${round.images} image(s): ${round.updateAvailable} stack(s) with a newer image${round.updates.map((u) => `; updating ${u.stack} (${u.services.join(", ")}): update ${u.updateId}`).join("")}\n`,
      );
  }
  const view = await client.request<ImagesView>("GET", stack ? `${stackPath(stack)}/images` : "/api/images");
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return EXIT_OK;
  }
  process.stdout.write(
    table([
      ["STACK", "SERVICE", "IMAGE", "STATUS", "RUNS", "REGISTRY", "NOTE"],
      ...view.images.map((r) => [
        r.stack,
        r.service,
        r.image,
        r.status,
        short(r.runningDigest),
        short(r.latestDigest),
        describe(r),
      ]),
    ]),
  );
  for (const row of view.images.filter((r) => r.versions && r.edit))
    process.stdout.write(
      `${row.stack}/${row.service}: edit ${row.edit?.file}${row.edit?.line ? `:${row.edit.line}` : ""} for a newer version (${newest(row)})\n`,
    );
  return EXIT_OK;
}

export async function imagesUpdateCommand(
  stack: string,
  services: string[],
  options: { core?: string; follow?: boolean },
): Promise<number> {
  const client = await CoreClient.from(options);
  const { updateId } = await client.request<{ updateId: string }>(
    "POST",
    `${stackPath(stack)}/images/update`,
    services.length > 0 ? { services } : {},
  );
  if (!options.follow) {
    process.stdout.write(`${updateId}\n`);
    return EXIT_OK;
  }
  return followAndReport(client, updateId);
}

export async function registryListCommand(options: { core?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const { registries } = await client.request<RegistryCredentialsView>("GET", "/api/registries");
  if (options.json) process.stdout.write(`${JSON.stringify(registries, null, 2)}\n`);
  else
    process.stdout.write(
      table([["REGISTRY", "USERNAME", "SET"], ...registries.map((r) => [r.registry, r.username, r.updatedAt])]),
    );
  return EXIT_OK;
}

export async function registryLoginCommand(
  registry: string,
  options: { core?: string; username?: string; passwordStdin?: boolean },
): Promise<number> {
  if (!options.username || !options.passwordStdin || process.stdin.isTTY) {
    process.stderr.write(
      `give the user name and, on standard input, the password or token: printf %s "$TOKEN" | tug registry login ${registry} --username USER --password-stdin\n`,
    );
    return EXIT_USAGE;
  }
  const password = await readStdinValue();
  const client = await CoreClient.from(options);
  await client.request("PUT", `/api/registries/${encodeURIComponent(registry)}`, {
    username: options.username,
    password,
  });
  process.stdout.write(`core checks ${registry} as ${options.username}\n`);
  return EXIT_OK;
}

export async function registryLogoutCommand(registry: string, options: { core?: string }): Promise<number> {
  const client = await CoreClient.from(options);
  await client.request("DELETE", `/api/registries/${encodeURIComponent(registry)}`);
  process.stdout.write(`forgot the credentials for ${registry}\n`);
  return EXIT_OK;
}
