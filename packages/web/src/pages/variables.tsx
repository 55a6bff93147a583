// Variables: the values core holds for `[[NAME]]` in the fleet repository
// (never in Git). Everyone sees the names; a secret's value is never shown
// again once set. Admins set and remove them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import type { VariableView } from "../api/types.js";
import { useCan } from "../auth/session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { age, ErrorBox } from "../components/status.js";

const NAME = /^[A-Za-z0-9_]{1,128}$/;

function SetVariableForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(true);
  const [description, setDescription] = useState("");
  const save = useMutation({
    mutationFn: () =>
      api(`/api/variables/${encodeURIComponent(name)}`, { method: "PUT", body: { value, secret, description } }),
    onSuccess: () => {
      setName("");
      setValue("");
      setDescription("");
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const badName = name !== "" && !NAME.test(name);
  return (
    <form className="actions" aria-label="set a variable" onSubmit={submit}>
      <label className="inline">
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="DB_PASSWORD" required />
      </label>
      <label className="inline">
        Value
        <input
          type={secret ? "password" : "text"}
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <label className="inline">
        <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} />
        Secret
      </label>
      <label className="inline">
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={save.isPending || badName || name === ""}>
        Set
      </button>
      {badName ? <span className="muted">letters, digits and _ only</span> : null}
      <ErrorBox error={save.error} />
    </form>
  );
}

export function VariablesPage() {
  const client = useQueryClient();
  const isAdmin = useCan("admin");
  const variables = useQuery({ queryKey: ["variables"], queryFn: () => api<VariableView[]>("/api/variables") });
  const refresh = () => client.invalidateQueries({ queryKey: ["variables"] });
  const remove = useMutation({
    mutationFn: (name: string) => api(`/api/variables/${encodeURIComponent(name)}`, { method: "DELETE" }),
    onSettled: refresh,
  });
  const list = variables.data ?? [];
  return (
    <section className="panel">
      <header>
        <h2>Variables</h2>
      </header>
      <p className="muted">
        Values for <code>[[NAME]]</code> in the fleet repository, held by core and sealed at rest. A deploy looks here
        first, then in the server agent's <code>[secrets]</code>.
      </p>
      <ErrorBox error={variables.error ?? remove.error} />
      {isAdmin ? <SetVariableForm onDone={refresh} /> : null}
      {variables.isSuccess && list.length === 0 ? <p className="muted">Core holds no variables.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Value</th>
                <th>Description</th>
                <th>Set</th>
                {isAdmin ? <th aria-label="actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {list.map((v) => (
                <tr key={v.name}>
                  <td>
                    <code>{v.name}</code>
                  </td>
                  <td>{v.secret ? <span className="muted">secret, not shown</span> : <code>{v.value}</code>}</td>
                  <td>{v.description || "–"}</td>
                  <td>{age(v.updatedAt)}</td>
                  {isAdmin ? (
                    <td>
                      <ConfirmButton
                        label="Remove"
                        danger
                        question={`Remove ${v.name}? Deploys that use it fail until it is set again.`}
                        busy={remove.isPending}
                        onConfirm={() => remove.mutate(v.name)}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
