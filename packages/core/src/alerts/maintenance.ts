// Maintenance windows (Komodo's fields): daily, weekly or one-off, in a
// timezone. Times compare as wall-clock minutes in that zone.
import type { MaintenanceWindow } from "@tugboat/config";

const DAY = 24 * 60;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** Wall-clock minutes since the epoch in `timeZone` (as if that zone were UTC), and the weekday. */
function wallClock(at: Date, timeZone: string | undefined): { minutes: number; weekday: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "long",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "0";
  const utc = Date.UTC(
    Number(get("year")),
    Number(get("month")) - 1,
    Number(get("day")),
    Number(get("hour")),
    Number(get("minute")),
  );
  return { minutes: Math.floor(utc / 60_000), weekday: WEEKDAYS.indexOf(get("weekday").toLowerCase()) };
}

function covers(window: MaintenanceWindow, at: Date, defaultZone: string | undefined): boolean {
  const { minutes, weekday } = wallClock(at, window.timezone || defaultZone);
  const startOfDay = minutes - (minutes % DAY);
  const offset = window.hour * 60 + window.minute;
  if (window.schedule_type === "OneTime") {
    const [y, m, d] = window.date.split("-").map(Number);
    const start = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1) / 60_000 + offset;
    return minutes >= start && minutes < start + window.duration_minutes;
  }
  // A window that started on an earlier day may still be running.
  const daysBack = Math.ceil(window.duration_minutes / DAY);
  for (let back = 0; back <= daysBack; back += 1) {
    if (window.schedule_type === "Weekly") {
      const day = (((weekday - back) % 7) + 7) % 7;
      if (WEEKDAYS[day] !== window.day_of_week.toLowerCase()) continue;
    }
    const start = startOfDay - back * DAY + offset;
    if (minutes >= start && minutes < start + window.duration_minutes) return true;
  }
  return false;
}

/** The first enabled window covering `at`, if any. `defaultZone` is core's zone (unset: the process's). */
export function activeWindow(
  windows: readonly MaintenanceWindow[],
  at: Date,
  defaultZone?: string,
): MaintenanceWindow | undefined {
  return windows.find((window) => window.enabled && covers(window, at, defaultZone));
}
