// The frame of every page: navigation, the user and log out.
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { api } from "../api/client.js";
import type { SwarmListItemView } from "../api/types.js";
import { useSession } from "../auth/session.js";
import { CommandPalette } from "../palette/command-palette.js";
import { ErrorBoundary } from "./error-boundary.js";
import { ThemeToggle } from "./theme-toggle.js";

const NAV = [
  ["/", "Dashboard"],
  ["/stacks", "Stacks"],
  ["/fleet", "Fleet"],
  ["/logs", "Logs"],
  ["/syncs", "Syncs"],
  ["/servers", "Servers"],
  ["/variables", "Variables"],
  ["/alerts", "Alerts"],
  ["/updates", "Updates"],
] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { me, logout } = useSession();
  const [location] = useLocation();
  const current = (path: string) => (path === "/" ? location === "/" : location.startsWith(path));
  // Swarms only in the navigation of a fleet that declares one.
  const swarms = useQuery({
    queryKey: ["swarms"],
    queryFn: () => api<SwarmListItemView[]>("/api/swarms"),
    enabled: !!me,
  });
  const withSwarms =
    (swarms.data ?? []).length > 0 ? [...NAV.slice(0, 6), ["/swarms", "Swarms"] as const, ...NAV.slice(6)] : NAV;
  // Pages about the whole fleet need a role; a user with only user-group permissions sees their stacks.
  const fleetWide = me !== undefined && me.role !== "user";
  const nav = [
    ...withSwarms.filter(([path]) => fleetWide || !["/servers", "/variables", "/syncs"].includes(path)),
    ...(me?.role === "admin" ? [["/audit", "Audit"] as const, ["/operations", "Operations"] as const] : []),
  ];
  return (
    <>
      <header className="top">
        <Link href="/" className="brand">
          Tugboat
        </Link>
        <nav aria-label="Main">
          {nav.map(([path, label]) => (
            <Link key={path} href={path} aria-current={current(path) ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="user">
          <CommandPalette />
          <ThemeToggle />
          <Link href="/account">{me ? `${me.username} (${me.role})` : ""}</Link>
          <button type="button" className="link" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      <main>
        <ErrorBoundary resetKey={location}>{children}</ErrorBoundary>
      </main>
    </>
  );
}
