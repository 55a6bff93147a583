// Image checks in the UI: a stack's images (what runs, what the registry has,
// newer versions and the line to edit) with "check now" and "update now"; the
// badge that marks a stack with a newer image; the fleet's "check now".
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { api } from "../api/client.js";
import type { ImageCheckReply, ImageCheckView, ImagesView } from "../api/types.js";
import { useCan } from "../auth/session.js";
import { ConfirmButton } from "./confirm-button.js";
import { Badge, ErrorBox, Section } from "./status.js";

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, "").slice(0, 12) : "–");
const LABEL: Record<ImageCheckView["status"], string> = {
  "up-to-date": "up to date",
  "update-available": "update available",
  pinned: "pinned",
  local: "not checked",
  error: "check failed",
};

/** Every checked image of the fleet, or of one stack. */
export function useImages(stack?: string) {
  return useQuery({
    queryKey: stack ? ["images", stack] : ["images"],
    queryFn: () => api<ImagesView>(stack ? `/api/stacks/${encodeURIComponent(stack)}/images` : "/api/images"),
    refetchInterval: 30_000,
  });
}

export function ImageUpdateBadge({ stacks, name }: { stacks: readonly string[] | undefined; name: string }) {
  return stacks?.includes(name) ? <Badge value="update-available" label="image update" /> : null;
}

function Versions({ row }: { row: ImageCheckView }) {
  const versions = row.versions;
  if (!versions) return null;
  const groups = (["patch", "minor", "major"] as const).filter((g) => versions[g].length > 0);
  return (
    <div className="small">
      newer: {groups.map((g) => `${g} ${versions[g].join(", ")}`).join(" · ")}
      {row.edit ? (
        <div className="muted">
          edit <code>{`${row.edit.file}${row.edit.line ? `:${row.edit.line}` : ""}`}</code>
        </div>
      ) : null}
    </div>
  );
}

/** Runs a check (fleet or stack) and refreshes what shows images. */
function useCheck(path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api<ImageCheckReply>(path, { method: "POST", ...(path === "/api/images/check" ? { body: {} } : {}) }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["images"] }),
  });
}

export function FleetImageCheck() {
  const canOperate = useCan("operator");
  const check = useCheck("/api/images/check");
  if (!canOperate) return null;
  const round = check.data;
  return (
    <div className="inline">
      <button type="button" disabled={check.isPending} onClick={() => check.mutate()}>
        {check.isPending ? "Checking images…" : "Check images now"}
      </button>
      {round ? (
        <span className="muted small">
          {round.images} image(s) checked, {round.updateAvailable} stack(s) with a newer image
        </span>
      ) : null}
      <ErrorBox error={check.error} />
    </div>
  );
}

/** `canOperate`: the user may act on this stack (core's per-stack permission). */
export function StackImages({ stack, canOperate }: { stack: string; canOperate: boolean }) {
  const [, navigate] = useLocation();
  const path = `/api/stacks/${encodeURIComponent(stack)}/images`;
  const query = useImages(stack);
  const check = useCheck(`${path}/check`);
  const update = useMutation({
    mutationFn: () => api<{ updateId: string }>(`${path}/update`, { method: "POST", body: {} }),
    onSuccess: ({ updateId }) => navigate(`/updates/${updateId}`),
  });
  const rows = query.data?.images ?? [];
  const available = rows.filter((r) => r.status === "update-available");
  return (
    <Section
      title="Images"
      actions={
        canOperate ? (
          <div className="actions">
            <button type="button" disabled={check.isPending} onClick={() => check.mutate()}>
              {check.isPending ? "Checking…" : "Check now"}
            </button>
            {available.length > 0 ? (
              <ConfirmButton
                label="Update now"
                question={`pull and recreate ${available.map((r) => r.service).join(", ")}?`}
                busy={update.isPending}
                onConfirm={() => update.mutate()}
              />
            ) : null}
          </div>
        ) : null
      }
    >
      <ErrorBox error={query.error ?? check.error ?? update.error} />
      {query.data && rows.length === 0 ? (
        <p className="muted">
          Not checked yet: image checks run for stacks with <code>poll_for_updates</code> or <code>auto_update</code>,
          or on "Check now".
        </p>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="images">
            <thead>
              <tr>
                <th>Service</th>
                <th>Image</th>
                <th>Status</th>
                <th>Runs → registry</th>
                <th>Notes</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.service}>
                  <td>{r.service}</td>
                  <td>
                    <code>{r.image}</code>
                  </td>
                  <td>
                    <Badge value={r.status} label={LABEL[r.status]} />
                  </td>
                  <td>
                    <code title={r.runningDigest ?? ""}>{short(r.runningDigest)}</code>
                    {r.status === "update-available" ? (
                      <>
                        {" → "}
                        <code title={r.latestDigest ?? ""}>{short(r.latestDigest)}</code>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {r.note ? <div className="small">{r.note}</div> : null}
                    <Versions row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Section>
  );
}
