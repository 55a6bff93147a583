// The app shell; pages arrive with the Web UI issue.

import { HealthResponse } from "@tugboat/protocol";
import { useEffect, useState } from "react";

export function App() {
  const [status, setStatus] = useState("checking core…");
  useEffect(() => {
    fetch("/api/health")
      .then(async (res) => HealthResponse.parse(await res.json()))
      .then((health) => setStatus(`core ${health.version} is ${health.status}`))
      .catch(() => setStatus("core is not reachable"));
  }, []);
  return (
    <main>
      <h1>Tugboat</h1>
      <p role="status">{status}</p>
    </main>
  );
}
