// The environment a child process (git, docker, compose, a hook) gets: the
// parent's, minus Tugboat's own settings. Those hold the agent passkey, core's
// secrets (TUG_SECRET_*), the database URL and the admin password; no child
// needs them, and a compose file or git hook could print them.

export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("TUG_")) env[name] = value;
  }
  return { ...env, ...extra };
}
