// Who is logged in: core's session cookie decides, /api/auth/me says who.
// Logging in with a password (and a two-factor code), and logging out.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from "react";
import { api, setUnauthorizedHandler } from "../api/client.js";
import type { Me, Role } from "../api/types.js";

interface Session {
  me: Me | undefined;
  /** Still asking core whether there is a session. */
  checking: boolean;
  loggedIn: boolean;
  login(username: string, password: string, code?: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);
const RANK: Record<Role, number> = { user: -1, viewer: 0, operator: 1, admin: 2 };

/** Who is logged in; null: no session (core answered 401). main.tsx asks at once, before the first render. */
export const sessionQuery = {
  queryKey: ["me"],
  queryFn: () =>
    api<Me>("/api/auth/me").catch((error: unknown) => {
      if ((error as { status?: number }).status === 401) return null;
      throw error;
    }),
  retry: false,
};

export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useQuery(sessionQuery);
  const forget = useCallback(() => {
    // Everything cached belonged to the session; "me" stays, as null, so its observers see the change.
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== "me" });
    client.setQueryData(["me"], null);
  }, [client]);
  // A 401 ends the session the app believed it had. With none (the login page, or before the
  // session check answers) there is nothing to forget: forgetting then would drop the login
  // page's own queries mid-flight (the dashboard's data is asked for at once, and answers 401).
  useEffect(
    () =>
      setUnauthorizedHandler(() => {
        if (client.getQueryData(sessionQuery.queryKey)) forget();
      }),
    [client, forget],
  );
  const value = useMemo<Session>(
    () => ({
      me: me.data ?? undefined,
      checking: me.isPending,
      loggedIn: me.data !== undefined && me.data !== null,
      async login(username, password, code) {
        await api("/api/auth/login", {
          method: "POST",
          body: { username, password, ...(code ? { code } : {}) },
        });
        await me.refetch();
      },
      async logout() {
        await api("/api/auth/logout", { method: "POST" }).catch(() => undefined);
        forget();
      },
    }),
    [me, forget],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** True when the user's role is at least `role` (viewers see no action buttons). */
export function useCan(role: Role): boolean {
  const { me } = useSession();
  return me !== undefined && RANK[me.role] >= RANK[role];
}
