// The agent's self-signed certificate: made on first start under the root
// dir, kept after that. Core pins its SHA-256 fingerprint on first contact.
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export interface AgentCertificate {
  key: string;
  cert: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as openssl prints it). */
  fingerprint: string;
}

export async function ensureCertificate(root: string): Promise<AgentCertificate & { created: boolean }> {
  const dir = join(root, "tls");
  const keyFile = join(dir, "agent.key");
  const certFile = join(dir, "agent.crt");
  let created = false;
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    // Loaded only here: certificate generation is a first-start cost, not a resident one.
    const { generate } = await import("selfsigned");
    const name = hostname();
    const notAfterDate = new Date();
    notAfterDate.setFullYear(notAfterDate.getFullYear() + 10);
    const pems = await generate([{ name: "commonName", value: `tugboat-agent ${name}` }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notAfterDate,
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: name },
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
          ],
        },
      ],
    } as Parameters<typeof generate>[1]);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyFile, pems.private, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    await writeFile(certFile, pems.cert);
    created = true;
  }
  const [key, cert] = await Promise.all([readFile(keyFile, "utf8"), readFile(certFile, "utf8")]);
  return { key, cert, fingerprint: new X509Certificate(cert).fingerprint256, created };
}
