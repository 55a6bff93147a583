// Enrolment tokens of outbound agents: one per server, created by an admin
// (`tug server enroll`), shown once, stored as a SHA-256 hash. Enrolling again
// replaces the token; revoking deletes it.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { formatLinkToken, parseLinkToken } from "@tugboat/protocol";
import type { Db } from "../../db/open-database.js";

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");

export type TokenCheck = { ok: true; server: string } | { ok: false; server: string; reason: string };

export class AgentTokens {
  constructor(private readonly db: Db) {}

  /** A new token for `server`, replacing its previous one. */
  async enroll(server: string, by: string): Promise<string> {
    const secret = randomBytes(32).toString("base64url");
    const row = { token_hash: hash(secret), created_at: new Date().toISOString(), created_by: by, last_used_at: null };
    await this.db
      .insertInto("agent_tokens")
      .values({ server, ...row })
      .onConflict((c) => c.column("server").doUpdateSet(row))
      .execute();
    return formatLinkToken(server, secret);
  }

  /** Whether the server had a token. */
  async revoke(server: string): Promise<boolean> {
    const result = await this.db.deleteFrom("agent_tokens").where("server", "=", server).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async enrolled(server: string): Promise<{ createdAt: string; createdBy: string; lastUsedAt: string | null } | null> {
    const row = await this.db.selectFrom("agent_tokens").selectAll().where("server", "=", server).executeTakeFirst();
    return row ? { createdAt: row.created_at, createdBy: row.created_by, lastUsedAt: row.last_used_at } : null;
  }

  async check(token: string): Promise<TokenCheck> {
    const parsed = parseLinkToken(token);
    if (!parsed) return { ok: false, server: "", reason: "not a Tugboat enrolment token" };
    const row = await this.db
      .selectFrom("agent_tokens")
      .select("token_hash")
      .where("server", "=", parsed.server)
      .executeTakeFirst();
    if (!row)
      return {
        ok: false,
        server: parsed.server,
        reason: `no token is enrolled for server "${parsed.server}" (revoked?)`,
      };
    const given = Buffer.from(hash(parsed.secret), "hex");
    if (!timingSafeEqual(given, Buffer.from(row.token_hash, "hex")))
      return { ok: false, server: parsed.server, reason: `wrong token for server "${parsed.server}"` };
    await this.db
      .updateTable("agent_tokens")
      .set({ last_used_at: new Date().toISOString() })
      .where("server", "=", parsed.server)
      .execute();
    return { ok: true, server: parsed.server };
  }
}
