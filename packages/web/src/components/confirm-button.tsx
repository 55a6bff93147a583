// An action that asks first: the button turns into "Confirm / Cancel".
import { useState } from "react";

export function ConfirmButton(props: {
  label: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
  danger?: boolean;
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
    </span>
  );
}
