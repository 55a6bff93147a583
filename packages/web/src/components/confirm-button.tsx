// An action that asks first: the button turns into "Confirm / Cancel", with
// what the action would change shown under it when there is something to show.
import { type ReactNode, useState } from "react";

export function ConfirmButton(props: {
  label: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
  danger?: boolean;
  /** Shown while asking (a deploy's diff). */
  details?: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        className={props.danger ? "danger" : ""}
        disabled={props.busy}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </button>
    );
  return (
    <span className="confirm">
      <span>{props.question}</span>
      <button
        type="button"
        className="primary"
        // biome-ignore lint/a11y/noAutofocus: the confirmation takes focus so Enter confirms and Escape cancels
        autoFocus
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
        onKeyDown={(e) => e.key === "Escape" && setAsking(false)}
      >
        Confirm
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {props.details ? <span className="confirm-details">{props.details}</span> : null}
    </span>
  );
}
