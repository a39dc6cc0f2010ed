import { HeadroomError, isObject } from "./errors.js";
import { type ClientOptions, callProxy, resolve } from "./http.js";

export interface RetrieveOptions extends ClientOptions {
  /** Words to look for: only the matching lines (or JSON items) come back, in original order. */
  query?: string;
  /** At most this many matching lines or items (default 50, the proxy caps it at 1000). */
  limit?: number;
  signal?: AbortSignal;
}

export interface Retrieved {
  key: string;
  /** The original (whole when no query was given), or the matching units joined by newlines. */
  text: string;
  /** `whole`, `lines` or `items`. */
  unit: string;
  /** How many units matched the query (0 without one). */
  matched: number;
  /** How many units the original has (0 without a query). */
  total: number;
}

/**
 * The original behind a marker's key, from the proxy's store. Throws
 * {@link HeadroomNotFoundError} when it is no longer stored.
 */
export async function retrieve(key: string, options: RetrieveOptions = {}): Promise<Retrieved> {
  if (typeof key !== "string" || key === "") throw new HeadroomError("retrieve() needs a key");
  const body: Record<string, unknown> = { key };
  if (options.query !== undefined) body.query = options.query;
  if (options.limit !== undefined) body.limit = options.limit;
  const answer = await callProxy(resolve(options), "POST", "/v1/retrieve", body, options.signal);
  if (!isObject(answer) || typeof answer.text !== "string") {
    throw new HeadroomError("the proxy's /v1/retrieve answer has no text");
  }
  return {
    key: String(answer.key),
    text: answer.text,
    unit: String(answer.unit),
    matched: typeof answer.matched === "number" ? answer.matched : 0,
    total: typeof answer.total === "number" ? answer.total : 0,
  };
}
