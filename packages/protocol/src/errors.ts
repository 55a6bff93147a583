// Error codes on the wire: one table from code to HTTP status, one error body
// shape, one error class that carries a code. Shared by core, agent and cli.
import { z } from "zod";

export const ERROR_STATUS = {
  E_INVALID_REQUEST: 400,
  E_INVALID_NAME: 400,
  E_UNAUTHORIZED: 401,
  /** The password was right; the user has two-factor: send the code too. */
  E_TOTP_REQUIRED: 401,
  E_RATE_LIMITED: 429,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_STACK_BUSY: 409,
  E_STACK_NOT_DEPLOYED: 409,
  /** The agent's last good deploy of a stack is not the one core asked to bring back. */
  E_DEPLOY_MISMATCH: 409,
  /** An image update ran but the container does not run the registry's new digest. */
  E_IMAGE_NOT_UPDATED: 502,
  E_UNRESOLVED_VARIABLE: 422,
  E_EXEC_FAILED: 500,
  E_GIT_FAILED: 502,
  E_AGENT_UNREACHABLE: 502,
  E_AGENT_UNAUTHORIZED: 502,
  E_AGENT_CERT_CHANGED: 502,
  E_AGENT_UNTRUSTED: 502,
  E_AGENT_ERROR: 502,
  E_DOCKER_UNAVAILABLE: 503,
  /** A swarm request to an agent whose Docker is not a swarm manager. */
  E_NOT_SWARM_MANAGER: 409,
  /** A service core depends on (an OIDC provider) does not answer. */
  E_UNAVAILABLE: 503,
  E_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export class TugError extends Error {
  override readonly name = "TugError";
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}
