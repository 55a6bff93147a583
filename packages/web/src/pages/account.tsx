// The user's own account: two-factor enrolment (local users) and the
// sessions they have open, each of which they can end.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import type { SessionView, TotpEnrolment } from "../api/types.js";
import { useSession } from "../auth/session.js";
import { CodeBlock } from "../components/code-block.js";
import { ErrorBox, Section } from "../components/status.js";

function TwoFactor() {
  const { me } = useSession();
  const client = useQueryClient();
  const [enrolment, setEnrolment] = useState<TotpEnrolment>();
  const [codes, setCodes] = useState<string[]>();
  const start = useMutation({
    mutationFn: () => api<TotpEnrolment>("/api/auth/totp", { method: "POST" }),
    onSuccess: setEnrolment,
  });
  const confirm = useMutation({
    mutationFn: (code: string) =>
      api<{ recoveryCodes: string[] }>("/api/auth/totp/confirm", { method: "POST", body: { code } }),
    onSuccess: (reply) => {
      setCodes(reply.recoveryCodes);
      setEnrolment(undefined);
      return client.invalidateQueries({ queryKey: ["me"] });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    confirm.mutate(String(new FormData(event.currentTarget).get("code")));
  };
  if (me?.source === "oidc") return <p className="muted">Your provider handles two-factor.</p>;
  if (codes)
    return (
      <>
        <p>Two-factor is on. Keep these recovery codes somewhere safe; each works once and they are not shown again.</p>
        <CodeBlock className="code">{codes.join("\n")}</CodeBlock>
      </>
    );
  if (me?.totp) return <p>Two-factor is on. An admin can turn it off if you lose your device.</p>;
  if (!enrolment)
    return (
      <>
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
          Set up two-factor
        </button>
        <ErrorBox error={start.error} />
      </>
    );
  return (
    <form onSubmit={submit}>
      <p>Add this secret to your authenticator app, then enter the code it shows.</p>
      <CodeBlock className="code">{enrolment.secret}</CodeBlock>
      <p className="muted small">{enrolment.uri}</p>
      <label>
        Code
        <input name="code" autoComplete="one-time-code" inputMode="numeric" required />
      </label>
      <button type="submit" className="primary" disabled={confirm.isPending}>
        Turn two-factor on
      </button>
      <ErrorBox error={confirm.error} />
    </form>
  );
}

function Sessions() {
  const client = useQueryClient();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: () => api<SessionView[]>("/api/auth/sessions") });
  const end = useMutation({
    mutationFn: (id: string) => api(`/api/auth/sessions/${id}`, { method: "DELETE" }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["sessions"] }),
  });
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>From</th>
              <th>Browser</th>
              <th>Started</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(sessions.data ?? []).map((s) => (
              <tr key={s.id}>
                <td>{s.ip}</td>
                <td className="small wrap">{s.userAgent}</td>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
                <td>{new Date(s.lastSeenAt).toLocaleString()}</td>
                <td>
                  {s.current ? (
                    "this one"
                  ) : (
                    <button type="button" onClick={() => end.mutate(s.id)}>
                      End
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorBox error={sessions.error ?? end.error} />
    </>
  );
}

export function AccountPage() {
  const { me } = useSession();
  return (
    <>
      <Section title={`Account: ${me?.username ?? ""}`}>
        <p>
          Role: {me?.role}
          {me && me.groups.length > 0 ? `; user groups: ${me.groups.join(", ")}` : ""}
        </p>
      </Section>
      <Section title="Two-factor">
        <TwoFactor />
      </Section>
      <Section title="Sessions">
        <Sessions />
      </Section>
    </>
  );
}
