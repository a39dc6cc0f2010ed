/** Every error this package throws is a {@link HeadroomError}; catch the subclasses to tell them apart. */
export class HeadroomError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The proxy could not be reached (refused, reset, DNS): nothing was answered. */
export class HeadroomConnectionError extends HeadroomError {}

/** No complete answer within `timeoutMs`; the HTTP request was aborted. */
export class HeadroomTimeoutError extends HeadroomError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`no answer from the Headroom proxy within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's own `signal` aborted the call. */
export class HeadroomAbortError extends HeadroomError {}

/** The proxy answered with an error status; `type` and `message` come from its error body. */
export class HeadroomAPIError extends HeadroomError {
  readonly status: number;
  readonly type: string;
  readonly body: unknown;

  constructor(status: number, type: string, message: string, body: unknown) {
    super(`Headroom proxy ${status} ${type}: ${message}`);
    this.status = status;
    this.type = type;
    this.body = body;
  }
}

/** 400: the conversation or the call is malformed (the message names what is wrong). */
export class HeadroomInvalidRequestError extends HeadroomAPIError {}

/**
 * 404: the key is not stored (expired or never kept), or the route is not offered to this caller
 * (the proxy answers callers beyond loopback only when they present its token).
 */
export class HeadroomNotFoundError extends HeadroomAPIError {}

/** The error class for an error status and its body. */
export function apiError(status: number, body: unknown): HeadroomAPIError {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const type = typeof error.type === "string" ? error.type : `http_${status}`;
  const message = typeof error.message === "string" ? error.message : "no error message";
  const Class =
    status === 400 ? HeadroomInvalidRequestError : status === 404 ? HeadroomNotFoundError : HeadroomAPIError;
  return new Class(status, type, message, body);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
