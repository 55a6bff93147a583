// Light or dark: the system's setting, unless the user picked one (kept in
// this browser). Applied before the first render so no page flashes.
const KEY = "tugboat.theme";
export type ThemeChoice = "system" | "light" | "dark";

const media = () => window.matchMedia("(prefers-color-scheme: dark)");

export function themeChoice(): ThemeChoice {
  const stored = localStorage.getItem(KEY);
  return stored === "light" || stored === "dark" ? stored : "system";
}

/** The theme in force: the choice, or the system's. */
export function appliedTheme(choice: ThemeChoice = themeChoice()): "light" | "dark" {
  if (choice !== "system") return choice;
  return media().matches ? "dark" : "light";
}

export function applyTheme(choice: ThemeChoice = themeChoice()): void {
  document.documentElement.dataset.theme = appliedTheme(choice);
}

export function setThemeChoice(choice: ThemeChoice): void {
  if (choice === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  applyTheme(choice);
  window.dispatchEvent(new Event("tugboat-theme"));
}

/** Follows the system's setting while the choice is "system". */
export function followSystemTheme(): void {
  media().addEventListener("change", () => {
    if (themeChoice() === "system") {
      applyTheme("system");
      window.dispatchEvent(new Event("tugboat-theme"));
    }
  });
}

/** A CSS variable's value (charts draw with the theme's colours). */
export function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
