import {
  HeadroomAbortError,
  HeadroomConnectionError,
  HeadroomError,
  HeadroomTimeoutError,
  apiError,
} from "./errors.js";

/** The `fetch` signature this package calls (the global one by default). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Where the proxy is and how to reach it. */
export interface ClientOptions {
  /** The proxy's URL (default `$HEADROOM_BASE_URL`, else `http://127.0.0.1:8787`). */
  baseUrl?: string;
  /**
   * The proxy's token (default `$HEADROOM_PROXY_TOKEN`), sent as `X-Headroom-Proxy-Token` only:
   * `Authorization` stays the provider's.
   */
  token?: string;
  /** Abort a call that has no complete answer after this many milliseconds (default 10000). */
  timeoutMs?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: FetchLike;
}

/** The proxy API version this package speaks (the proxy's `api_version`). */
export const API_VERSION = 1;
export const DEFAULT_BASE_URL = "http://127.0.0.1:8787";
export const DEFAULT_TIMEOUT_MS = 10_000;

interface Resolved {
  baseUrl: string;
  token: string | undefined;
  timeoutMs: number;
  fetch: FetchLike;
}

function env(name: string): string | undefined {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = process?.env?.[name];
  return value ? value : undefined;
}

export function resolve(options: ClientOptions = {}): Resolved {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") {
    throw new HeadroomError("no fetch available: pass options.fetch (Node >= 18 has a global fetch)");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new HeadroomError(`timeoutMs must be positive, got ${timeoutMs}`);
  return {
    baseUrl: (options.baseUrl ?? env("HEADROOM_BASE_URL") ?? DEFAULT_BASE_URL).replace(/\/+$/, ""),
    token: options.token ?? env("HEADROOM_PROXY_TOKEN"),
    timeoutMs,
    fetch: fetchImpl,
  };
}

export function headroomHeaders(token: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { "x-headroom-api": String(API_VERSION) };
  if (token) headers["x-headroom-proxy-token"] = token;
  return headers;
}

/**
 * One call to the proxy: JSON in, JSON out, the whole exchange (headers and body) under
 * `timeoutMs`; aborting it closes the connection, which tells the proxy to stop.
 */
export async function callProxy(
  options: Resolved,
  method: "GET" | "POST",
  path: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const controller = new AbortController();
  const timedOut = new HeadroomTimeoutError(options.timeoutMs);
  const timer = setTimeout(() => controller.abort(timedOut), options.timeoutMs);
  const onAbort = () => controller.abort(new HeadroomAbortError("aborted by the caller's signal"));
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const headers: Record<string, string> = { ...headroomHeaders(options.token), accept: "application/json" };
    const init: RequestInit = { method, headers, signal: controller.signal };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await options.fetch(options.baseUrl + path, init);
    const text = await response.text();
    const parsed = parseJson(text, response.status);
    if (!response.ok) throw apiError(response.status, parsed);
    return parsed;
  } catch (error) {
    if (error instanceof HeadroomError) throw error;
    const reason: unknown = controller.signal.reason;
    if (controller.signal.aborted && reason instanceof HeadroomError) throw reason;
    throw new HeadroomConnectionError(`Headroom proxy at ${options.baseUrl} unreachable: ${describe(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (status >= 200 && status < 300) {
      throw new HeadroomError(`Headroom proxy answered ${status} with a body that is not JSON`);
    }
    return text;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
