// Operating the fleet (admins): the doctor's rows with the fix to try, core's
// backups (take one now, download one) and the agent build core offers.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { api } from "../api/client.js";
import type { AgentBuildView, BackupList, DoctorReport } from "../api/types.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { age, Badge, ErrorBox, Section } from "../components/status.js";

const size = (bytes: number) =>
  bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;

function Doctor() {
  const doctor = useQuery({ queryKey: ["doctor"], queryFn: () => api<DoctorReport>("/api/doctor"), staleTime: 30_000 });
  const rows = [...(doctor.data?.rows ?? [])].sort(
    (a, b) => ["fail", "warn", "ok"].indexOf(a.status) - ["fail", "warn", "ok"].indexOf(b.status),
  );
  return (
    <Section
      title="Doctor"
      actions={
        <button type="button" disabled={doctor.isFetching} onClick={() => doctor.refetch()}>
          {doctor.isFetching ? "Checking…" : "Check again"}
        </button>
      }
    >
      <ErrorBox error={doctor.error} />
      {doctor.data ? (
        <p>
          {doctor.data.ok} ok, {doctor.data.warn} warn, {doctor.data.fail} fail
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="list-on-phone">
          <thead>
            <tr>
              <th>Status</th>
              <th>Check</th>
              <th>Target</th>
              <th>Detail</th>
              <th>Fix</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.check}:${row.target}`}>
                <td>
                  <Badge value={row.status} />
                </td>
                <td data-label="Check">{row.check}</td>
                <td data-label="Target">{row.target}</td>
                <td data-label="Detail" className="wrap">
                  {row.detail}
                </td>
                <td data-label="Fix" className="wrap">
                  {row.fix ? <code>{row.fix}</code> : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Backups() {
  const client = useQueryClient();
  const backups = useQuery({ queryKey: ["backups"], queryFn: () => api<BackupList>("/api/backups") });
  const take = useMutation({
    mutationFn: () => api("/api/backups", { method: "POST", body: {} }),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ["backups"] }),
        client.invalidateQueries({ queryKey: ["doctor"] }),
      ]),
  });
  const list = backups.data;
  return (
    <Section
      title="Backups"
      actions={
        <button type="button" disabled={take.isPending} onClick={() => take.mutate()}>
          {take.isPending ? "Backing up…" : "Back up now"}
        </button>
      }
    >
      <ErrorBox error={backups.error ?? take.error} />
      {list ? (
        <p>
          In <code className="hash">{list.dir}</code>
          {list.encrypted ? ", encrypted with age" : ""}; kept: {list.keep.daily} daily, {list.keep.weekly} weekly,{" "}
          {list.keep.monthly} monthly. Next: {list.nextRun ? new Date(list.nextRun).toLocaleString() : "not scheduled"}.
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="list-on-phone">
          <thead>
            <tr>
              <th>Backup</th>
              <th>Status</th>
              <th>Size</th>
              <th>Kept as</th>
              <th>Trigger</th>
              <th>Taken</th>
            </tr>
          </thead>
          <tbody>
            {(list?.backups ?? []).map((b) => (
              <tr key={b.name}>
                <td>
                  {b.status === "ok" ? (
                    <a href={`/api/backups/${encodeURIComponent(b.name)}/file`} download>
                      {b.name}
                    </a>
                  ) : (
                    b.name
                  )}
                </td>
                <td data-label="Status">
                  <Badge
                    value={b.status === "ok" ? "ok" : "failed"}
                    label={b.error ? `failed: ${b.error}` : b.status}
                  />
                </td>
                <td data-label="Size">{b.status === "ok" ? size(b.size) : "–"}</td>
                <td data-label="Kept as">{b.slots?.join(", ") || "–"}</td>
                <td data-label="Trigger">{b.trigger}</td>
                <td data-label="Taken">{age(b.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function AgentBuild() {
  const [, navigate] = useLocation();
  const build = useQuery({ queryKey: ["agent-build"], queryFn: () => api<AgentBuildView>("/api/agent/build") });
  const upgrade = useMutation({
    mutationFn: () => api<{ updateId: string }>("/api/agent/upgrade", { method: "POST", body: { all: true } }),
    onSuccess: ({ updateId }) => navigate(`/updates/${updateId}`),
  });
  return (
    <Section title="Agents">
      <ErrorBox error={build.error ?? upgrade.error} />
      {build.data ? (
        <>
          <p>
            Core offers agent {build.data.version} ({size(build.data.size)}), SHA-256{" "}
            <code className="hash">{build.data.sha256}</code>.{" "}
            <a href="/api/agent/build/file" download>
              Download
            </a>
          </p>
          <ConfirmButton
            label="Upgrade every agent"
            question={`Upgrade every agent to ${build.data.version}, one host at a time?`}
            busy={upgrade.isPending}
            onConfirm={() => upgrade.mutate()}
          />
        </>
      ) : null}
    </Section>
  );
}

export function OperationsPage() {
  return (
    <>
      <Doctor />
      <Backups />
      <AgentBuild />
    </>
  );
}
