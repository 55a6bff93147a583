// Who is logged in: the token, the user's role, and log in / log out.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { api, setUnauthorizedHandler, tokenStore } from "../api/client.js";
import type { Me, Role } from "../api/types.js";

interface Session {
  me: Me | undefined;
  loggedIn: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): void;
}

const SessionContext = createContext<Session | undefined>(undefined);
const RANK: Record<Role, number> = { user: -1, viewer: 0, operator: 1, admin: 2 };

export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [token, setToken] = useState(tokenStore.get());
  const me = useQuery({ queryKey: ["me", token], queryFn: () => api<Me>("/api/auth/me"), enabled: token !== null });
  const logout = useCallback(() => {
    tokenStore.clear();
    setToken(null);
    client.clear();
  }, [client]);
  useEffect(() => setUnauthorizedHandler(logout), [logout]);
  const value = useMemo<Session>(
    () => ({
      me: me.data,
      loggedIn: token !== null,
      async login(username, password) {
        const { token: issued } = await api<{ token: string }>("/api/auth/login", {
          method: "POST",
          body: { username, password },
        });
        tokenStore.set(issued);
        setToken(issued);
      },
      logout,
    }),
    [me.data, token, logout],
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
