// The web UI's entry: data cache, session, and the pages by path.
import "./styles.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createRoot } from "react-dom/client";
import { Route, Switch } from "wouter";
import { SessionProvider, sessionQuery, useSession } from "./auth/session.js";
import { Layout } from "./components/layout.js";
import { AccountPage } from "./pages/account.js";
import { AuditPage } from "./pages/audit.js";
import { DashboardPage, dashboardQuery } from "./pages/dashboard.js";
import { FleetPage } from "./pages/fleet.js";
import { AlertsPage, UpdatesPage } from "./pages/history.js";
import { LoginPage } from "./pages/login.js";
import { LogsPage } from "./pages/logs.js";
import { OperationsPage } from "./pages/operations.js";
import { ServerPage, ServersPage } from "./pages/servers.js";
import { StackPage } from "./pages/stack.js";
import { StacksPage } from "./pages/stacks.js";
import { SwarmsPage } from "./pages/swarms.js";
import { SyncsPage } from "./pages/syncs.js";
import { UpdatePage } from "./pages/update.js";
import { VariablesPage } from "./pages/variables.js";
import { applyTheme, followSystemTheme } from "./theme.js";

applyTheme();
followSystemTheme();

const queries = new QueryClient({ defaultOptions: { queries: { staleTime: 2000, retry: 1 } } });
// Asked before React first renders: the session check, and when the page opens on the
// dashboard its data beside it, not after it (at 500 servers, each wait was ~100 ms). Core
// names the same two in the page's Link header (static-ui.ts), so the browser has asked
// already while it loaded this script, and these requests take its answers.
queries.prefetchQuery(sessionQuery).catch(() => undefined);
if (window.location.pathname === "/") queries.prefetchQuery(dashboardQuery).catch(() => undefined);

function App() {
  const { loggedIn, checking } = useSession();
  if (checking) return null;
  if (!loggedIn) return <LoginPage />;
  return (
    <Layout>
      <Switch>
        <Route path="/">{() => <DashboardPage />}</Route>
        <Route path="/stacks">{() => <StacksPage />}</Route>
        <Route path="/fleet">{() => <FleetPage />}</Route>
        <Route path="/stacks/:name">{(p) => <StackPage name={decodeURIComponent(p.name)} />}</Route>
        <Route path="/updates/:id">{(p) => <UpdatePage id={p.id} />}</Route>
        <Route path="/updates">{() => <UpdatesPage />}</Route>
        <Route path="/logs">{() => <LogsPage />}</Route>
        <Route path="/syncs">{() => <SyncsPage />}</Route>
        <Route path="/servers">{() => <ServersPage />}</Route>
        <Route path="/swarms">{() => <SwarmsPage />}</Route>
        <Route path="/servers/:name">{(p) => <ServerPage name={decodeURIComponent(p.name)} />}</Route>
        <Route path="/variables">{() => <VariablesPage />}</Route>
        <Route path="/alerts">{() => <AlertsPage />}</Route>
        <Route path="/account">{() => <AccountPage />}</Route>
        <Route path="/audit">{() => <AuditPage />}</Route>
        <Route path="/operations">{() => <OperationsPage />}</Route>
        <Route>{() => <p>No such page.</p>}</Route>
      </Switch>
    </Layout>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <QueryClientProvider client={queries}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </QueryClientProvider>,
  );
