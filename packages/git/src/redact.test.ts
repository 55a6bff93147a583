import { describe, expect, it } from "vitest";
import { childEnv } from "./child-env.js";
import { redactText, redactUrl } from "./redact.js";

describe("redaction", () => {
  it("removes user and password from URLs, also inside longer text", () => {
    expect(redactUrl("https://user:tok3n@git.example.net/a/b.git")).toBe("https://***@git.example.net/a/b.git");
    expect(redactUrl("git@github.com:a/b.git")).toBe("git@github.com:a/b.git");
    expect(redactText("fatal: unable to access 'https://x:secret@h/r.git/': 403")).toBe(
      "fatal: unable to access 'https://***@h/r.git/': 403",
    );
  });
});

describe("childEnv", () => {
  it("drops Tugboat's own settings and keeps the rest", () => {
    process.env.TUG_SECRET_CHILD_ENV_TEST = "s3cret";
    try {
      const env = childEnv({ EXTRA: "1" });
      expect(env.TUG_SECRET_CHILD_ENV_TEST).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.EXTRA).toBe("1");
    } finally {
      delete process.env.TUG_SECRET_CHILD_ENV_TEST;
    }
  });
});
