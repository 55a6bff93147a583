// Core's own key: 32 random bytes in a file beside the database (mode 0600),
// made on first start. It keys the HMACs that stand in for secret values
// wherever two must be compared (fingerprints), and encrypts the secrets core
// stores (webhook secrets). A viewer who reads the database learns nothing
// from either without it.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export class CoreKey {
  private constructor(private readonly key: Buffer) {}

  /** Reads the key file, or makes it when there is none. */
  static async load(file: string): Promise<CoreKey> {
    if (!existsSync(file)) {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error; // another core made it first: read that one
        },
      );
    }
    await chmod(file, 0o600);
    const key = Buffer.from((await readFile(file, "utf8")).trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key (base64); restore it from a backup`);
    return new CoreKey(key);
  }

  /** For tests and benches: a key that is not kept anywhere. */
  static ephemeral(): CoreKey {
    return new CoreKey(randomBytes(32));
  }

  /** HMAC-SHA256 keyed for one purpose, hex. */
  hmac(purpose: string, text: string): string {
    return createHmac("sha256", this.key).update(`${purpose}\u0000${text}`).digest("hex");
  }

  /** AES-256-GCM: `v1:<iv>:<tag>:<ciphertext>`, base64 parts. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return ["v1", iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === "string" ? p : p.toString("base64")))
      .join(":");
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(":");
    if (version !== "v1" || !iv || !tag || data === undefined) throw new Error("not a sealed value");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
  }
}
