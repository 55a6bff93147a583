// Which paths of a stack name a file on the agent's host rather than one in
// the checkout. Validation (config) and the agent apply this same rule, so a
// repository `tug validate` accepts is one the agent deploys.
//
// As in Komodo, an absolute env file (env_file_path, additional_env_files, a
// compose env_file) is a file the operator placed on the host: read at deploy
// as it is. It is never written: the agent writes a stack's environment only
// inside the checkout, never over a host file.

/** An absolute path: a file on the host, read at deploy. Everything else is inside the run directory. */
export function isHostPath(path: string): boolean {
  return path.startsWith("/");
}

/** Undefined when `envFilePath` can take `environment`; otherwise why not. */
export function envFilePathProblem(envFilePath: string, environment: string): string | undefined {
  if (!isHostPath(envFilePath)) return undefined;
  if (envFilePath.includes("\0")) return `env_file_path ${JSON.stringify(envFilePath)} is not a path`;
  if (environment.trim() === "") return undefined;
  return `env_file_path "${envFilePath}" is a file on the host, and the stack sets environment: the deploy would write the environment over that host file; use a path inside the run directory, or move the variables into the host file`;
}
