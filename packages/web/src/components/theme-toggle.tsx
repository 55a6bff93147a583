// The header's theme switch: system → light → dark → system.
import { useEffect, useState } from "react";
import { appliedTheme, setThemeChoice, type ThemeChoice, themeChoice } from "../theme.js";

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };

/** The theme in force; re-renders when it changes (charts redraw with it). */
export function useAppliedTheme(): "light" | "dark" {
  const [theme, setTheme] = useState(appliedTheme());
  useEffect(() => {
    const update = () => setTheme(appliedTheme());
    window.addEventListener("tugboat-theme", update);
    return () => window.removeEventListener("tugboat-theme", update);
  }, []);
  return theme;
}

export function ThemeToggle() {
  const [choice, setChoice] = useState(themeChoice());
  return (
    <button
      type="button"
      className="link"
      aria-label={`Theme: ${choice} (switch to ${NEXT[choice]})`}
      onClick={() => {
        setThemeChoice(NEXT[choice]);
        setChoice(NEXT[choice]);
      }}
    >
      {choice === "system" ? "◐ auto" : choice === "dark" ? "☾ dark" : "☀ light"}
    </button>
  );
}
