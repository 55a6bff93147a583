// A throwaway self-signed certificate (openssl, P-256), for TLS listeners that
// stand in for agents in tests.
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCertificate {
  key: string;
  cert: string;
  /** SHA-256, colon-separated, as agents print theirs. */
  fingerprint: string;
}

export async function selfSignedCertificate(dir: string): Promise<TestCertificate> {
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=tugboat-test"],
  ]);
  const cert = await readFile(certFile, "utf8");
  return { key: await readFile(keyFile, "utf8"), cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
