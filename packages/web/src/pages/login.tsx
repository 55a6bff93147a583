// Logging in: a password (then a two-factor code when the user has one), or
// the OIDC provider's button. A refused OIDC login comes back here with why.
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import type { AuthOptionsView } from "../api/types.js";
import { useSession } from "../auth/session.js";
import { ErrorBox } from "../components/status.js";

export function LoginPage() {
  const { login } = useSession();
  const options = useQuery({ queryKey: ["auth-options"], queryFn: () => api<AuthOptionsView>("/api/auth/options") });
  const [error, setError] = useState<unknown>(() => {
    const refused = new URLSearchParams(location.search).get("login_error");
    return refused ? new Error(refused) : undefined;
  });
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await login(String(form.get("username")), String(form.get("password")), String(form.get("code") ?? ""));
      if (location.search) history.replaceState(null, "", location.pathname);
    } catch (e) {
      if ((e as { code?: string }).code === "E_TOTP_REQUIRED") setNeedsCode(true);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  const oidc = options.data?.oidc;
  return (
    <main className="login">
      <form onSubmit={submit} className="panel">
        <h1>Tugboat</h1>
        {oidc ? (
          <a className="button primary" href={oidc.url}>
            Log in with {oidc.name}
          </a>
        ) : null}
        {options.data?.password === false ? (
          <p className="muted small">Password login is for the break-glass admin only.</p>
        ) : null}
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {needsCode ? (
          <label>
            Two-factor code
            <input name="code" autoComplete="one-time-code" inputMode="numeric" required />
          </label>
        ) : null}
        <ErrorBox error={error} />
        <button type="submit" className={oidc ? undefined : "primary"} disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
