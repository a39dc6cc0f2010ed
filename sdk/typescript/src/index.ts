/**
 * Headroom for TypeScript: compress agent context through a Headroom proxy (`headroom proxy`),
 * retrieve the originals behind its markers, and route OpenAI and Anthropic SDK clients through it.
 * No runtime dependencies; needs a global `fetch` (Node >= 18, Bun, Deno, edge runtimes).
 */
export { compress } from "./compress.js";
export type { BlockStats, CompressOptions, CompressResult, Marker, MessageFormat } from "./compress.js";
export {
  HeadroomAPIError,
  HeadroomAbortError,
  HeadroomConnectionError,
  HeadroomError,
  HeadroomInvalidRequestError,
  HeadroomNotFoundError,
  HeadroomTimeoutError,
} from "./errors.js";
export { PROVIDER_HOSTS, withHeadroom } from "./fetch.js";
export type { WithHeadroomOptions } from "./fetch.js";
export { API_VERSION, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from "./http.js";
export type { ClientOptions, FetchLike } from "./http.js";
export { retrieve } from "./retrieve.js";
export type { RetrieveOptions, Retrieved } from "./retrieve.js";
