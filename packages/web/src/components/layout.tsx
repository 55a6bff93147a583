// The frame of every page: navigation, the user and log out.
import type { ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { useSession } from "../auth/session.js";
import { ErrorBoundary } from "./error-boundary.js";

const NAV = [
  ["/", "Dashboard"],
  ["/stacks", "Stacks"],
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
  return (
    <>
      <header className="top">
        <Link href="/" className="brand">
          Tugboat
        </Link>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <Link key={path} href={path} aria-current={current(path) ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="user">
          {me ? `${me.username} (${me.role})` : ""}
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
