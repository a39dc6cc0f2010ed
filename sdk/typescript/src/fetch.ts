import { HeadroomError } from "./errors.js";
import { type FetchLike, resolve } from "./http.js";

/** The provider API hosts routed through the proxy by default. */
export const PROVIDER_HOSTS: readonly string[] = ["api.openai.com", "api.anthropic.com"];

export interface WithHeadroomOptions {
  /** The proxy's URL (default `$HEADROOM_BASE_URL`, else `http://127.0.0.1:8787`). */
  baseUrl?: string;
  /** The proxy's token (default `$HEADROOM_PROXY_TOKEN`), added as `X-Headroom-Proxy-Token`. */
  token?: string;
  /** Hosts whose requests go to the proxy (default {@link PROVIDER_HOSTS}); others are untouched. */
  hosts?: readonly string[];
}

/**
 * A `fetch` that sends provider API calls to the proxy instead, same path and query, headers and
 * body as the SDK made them (the proxy forwards them upstream, compressing on the way):
 *
 * ```ts
 * const openai = new OpenAI({ fetch: withHeadroom(fetch) });
 * const anthropic = new Anthropic({ fetch: withHeadroom(fetch, { baseUrl: "http://127.0.0.1:8787" }) });
 * ```
 *
 * The proxy token goes only to the proxy; `Authorization` and every provider header are left as
 * the SDK set them. Calls to any other host pass through unchanged.
 */
export function withHeadroom(
  fetchImpl: FetchLike = globalThis.fetch,
  options: WithHeadroomOptions = {},
): FetchLike {
  const settings = resolve({ ...options, fetch: fetchImpl });
  const proxy = new URL(settings.baseUrl);
  const hosts = new Set((options.hosts ?? PROVIDER_HOSTS).map((h) => h.toLowerCase()));
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (!hosts.has(url.hostname.toLowerCase())) return settings.fetch(input, init);
    const target = new URL(proxy.href);
    target.pathname = proxy.pathname.replace(/\/+$/, "") + url.pathname;
    target.search = url.search;
    const given = init?.headers ?? (input instanceof Request ? input.headers : undefined);
    const headers = new Headers(given);
    if (settings.token) headers.set("x-headroom-proxy-token", settings.token);
    if (!(input instanceof Request)) return settings.fetch(target.href, { ...init, headers });
    if (init?.body !== undefined) {
      throw new HeadroomError("withHeadroom: give the body in the Request or in init, not both");
    }
    // A streamed body needs `duplex: "half"` to be sent on (Node's fetch requires it).
    const copy: RequestInit & { duplex?: "half" } = { method: input.method, signal: init?.signal ?? input.signal };
    if (input.body !== null) Object.assign(copy, { body: input.body, duplex: "half" });
    return settings.fetch(target.href, { ...init, ...copy, headers });
  };
}
