// The certificate of core's agent link: the operator's (agent_link_cert and
// agent_link_key), or one core makes on first start and keeps in its data dir.
// Agents pin its fingerprint, which tug server enroll prints.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { TugError } from "@tugboat/protocol";

export async function linkCertificate(options: {
  certFile: string;
  keyFile: string;
  dataDir: string;
}): Promise<{ key: string; cert: string }> {
  const given = options.certFile || options.keyFile;
  const certFile = given ? options.certFile : join(options.dataDir, "agent-link", "link.crt");
  const keyFile = given ? options.keyFile : join(options.dataDir, "agent-link", "link.key");
  if (given && !(options.certFile && options.keyFile))
    throw new TugError("E_INVALID_REQUEST", "core config: agent_link_cert and agent_link_key go together");
  if (!given && !(existsSync(certFile) && existsSync(keyFile))) {
    const { generate } = await import("selfsigned");
    const notAfterDate = new Date();
    notAfterDate.setFullYear(notAfterDate.getFullYear() + 10);
    const made = await generate([{ name: "commonName", value: `tugboat-core ${hostname()}` }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notAfterDate,
    } as Parameters<typeof generate>[1]);
    await mkdir(join(options.dataDir, "agent-link"), { recursive: true, mode: 0o700 });
    await writeFile(keyFile, made.private, { mode: 0o600 });
    await writeFile(certFile, made.cert);
  }
  const read = (file: string) =>
    readFile(file, "utf8").catch((error: Error) => {
      throw new TugError("E_INVALID_REQUEST", `cannot read the agent link's ${file}: ${error.message}`);
    });
  const [cert, key] = await Promise.all([read(certFile), read(keyFile)]);
  return { cert, key };
}
