// Identity's stores on SQLite and PostgreSQL: sessions end at their absolute
// or idle expiry and can be listed and ended one by one; two-factor codes,
// lockout and single-use recovery codes; the audit trail and its retention;
// an OIDC login never takes over a local user.
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../src/auth/audit.js";
import { SessionStore } from "../src/auth/sessions.js";
import { TwoFactor } from "../src/auth/two-factor.js";
import { UserStore } from "../src/auth/user-store.js";
import { CoreKey } from "../src/secrets/core-key.js";
import { backends } from "./backends.js";

const META = { ip: "192.0.2.7", userAgent: "test" };
const KEY = Buffer.alloc(32, 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)("identity stores on $name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)("ends sessions at the absolute expiry and after idling", async () => {
    const db = await open();
    const users = new UserStore(db);
    const id = await users.create("ann", "a long password", "viewer");
    const brief = new SessionStore(db, { absoluteMs: 50, idleMs: 60_000 }, KEY);
    const idle = new SessionStore(db, { absoluteMs: 60_000, idleMs: 50 }, KEY);
    const long = new SessionStore(db, { absoluteMs: 60_000, idleMs: 60_000 }, KEY);
    const a = await brief.open(id, META);
    const b = await idle.open(id, META);
    const c = await long.open(id, META);
    expect(await brief.authenticate(a.token, META)).toMatchObject({ username: "ann", via: "session" });
    await sleep(80);
    expect(await brief.authenticate(a.token, META)).toBeUndefined();
    expect(await idle.authenticate(b.token, META)).toBeUndefined();
    expect(await long.authenticate(c.token, META)).toMatchObject({ username: "ann", sessionId: c.id });
    expect(await long.purgeExpired()).toBe(1); // the one past its absolute expiry
    expect((await long.list(id)).map((s) => [s.id, s.ip])).toContainEqual([c.id, "192.0.2.7"]);
    expect(await long.revoke(id + 1, c.id)).toBe(false); // not someone else's
    expect(await long.revoke(id, c.id)).toBe(true);
    expect(await long.authenticate(c.token, META)).toBeUndefined();
  });

  it.skipIf(skip !== undefined)(
    "checks TOTP codes once each, locks after five wrong ones, uses a recovery code once",
    async () => {
      const db = await open();
      const users = new UserStore(db);
      const id = await users.create("tom", "a long password", "operator");
      const factor = new TwoFactor(db, CoreKey.ephemeral());
      const { secret } = await factor.enrol(id, "tom");
      const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
      await expect(factor.confirm(id, "tom", "000000")).rejects.toThrow(/does not match/);
      const first = totp.generate();
      const codes = await factor.confirm(id, "tom", first);
      expect(codes).toHaveLength(10);
      expect((await users.byId(id))?.totpEnabled).toBe(true);
      // A code works once: the one that turned two-factor on, and then the next step's.
      expect((await factor.verify(id, "tom", first)).ok).toBe(false);
      const next = totp.generate({ timestamp: Date.now() + 30_000 });
      expect(await factor.verify(id, "tom", next)).toEqual({ ok: true, recovery: false });
      expect((await factor.verify(id, "tom", next)).ok).toBe(false);
      expect(await factor.verify(id, "tom", codes[0] ?? "")).toEqual({ ok: true, recovery: true });
      expect((await factor.verify(id, "tom", codes[0] ?? "")).ok).toBe(false);
      expect(await factor.remainingRecoveryCodes(id)).toBe(9);
      for (let i = 0; i < 4; i += 1) expect((await factor.verify(id, "tom", "123456")).ok).toBe(false);
      await expect(factor.verify(id, "tom", totp.generate())).rejects.toThrow(/too many wrong codes/);
      await factor.disable(id);
      expect(await factor.verify(id, "tom", "anything")).toEqual({ ok: true, recovery: false });
      expect(await factor.remainingRecoveryCodes(id)).toBe(0);
    },
  );

  it.skipIf(skip !== undefined)("records the audit trail, masks it, and keeps it for the retention", async () => {
    const db = await open();
    const audit = new AuditLog(db, 1, (text) => text.replaceAll("hunter2", "***"));
    await audit.record({ actor: "ann", action: "login", target: "ann", outcome: "failed", source: "192.0.2.7" });
    await audit.record({
      actor: "ann",
      action: "secret.set",
      target: "DB",
      outcome: "ok",
      source: "192.0.2.7",
      detail: { note: "was hunter2" },
    });
    const rows = await audit.list({ limit: 10 });
    expect(rows.map((r) => [r.action, r.outcome])).toEqual([
      ["secret.set", "ok"],
      ["login", "failed"],
    ]);
    expect(rows[0]?.detail).toEqual({ note: "was ***" });
    expect((await audit.list({ action: "login", limit: 10 })).length).toBe(1);
    await db.updateTable("audit").set({ at: "2000-01-01T00:00:00.000Z" }).where("action", "=", "login").execute();
    expect(await audit.purge()).toBe(1);
    expect((await audit.list({ limit: 10 })).map((r) => r.action)).toEqual(["secret.set"]);
  });

  it.skipIf(skip !== undefined)(
    "provisions OIDC users bound to their subject, and never takes over a local one",
    async () => {
      const db = await open();
      const users = new UserStore(db);
      await users.create("root", "a long password", "admin");
      await expect(users.provisionOidc("root", "iss sub-root", "user", [])).rejects.toThrow(/local user/);
      expect((await users.byName("root"))?.role).toBe("admin");
      const olga = await users.provisionOidc("olga", "iss sub-olga", "user", ["media-team"]);
      expect(olga).toMatchObject({ source: "oidc", role: "user", claimGroups: ["media-team"] });
      expect(await users.provisionOidc("olga", "iss sub-olga", "operator", ["ops"])).toMatchObject({
        role: "operator",
        claimGroups: ["ops"],
      });
      // Someone else at the provider who renames themselves olga is not olga.
      await expect(users.provisionOidc("olga", "iss sub-mallory", "admin", [])).rejects.toThrow(/another account/);
      expect((await users.byName("olga"))?.role).toBe("operator");
      // An OIDC user has no password to log in with.
      expect(await users.checkPassword("olga", "")).toBeUndefined();
    },
  );
});
