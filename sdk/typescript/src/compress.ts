import { HeadroomAbortError, HeadroomError, HeadroomInvalidRequestError, isObject } from "./errors.js";
import { type ClientOptions, callProxy, resolve } from "./http.js";

/** The provider shapes the proxy reads (the wire names; `openai-chat` spellings are accepted too). */
export type MessageFormat = "openai_chat" | "openai_responses" | "anthropic";

export interface CompressOptions extends ClientOptions {
  /** The shape of the input; the proxy detects it when left out. */
  format?: MessageFormat | "openai-chat" | "openai-responses";
  /** What the user is asking now: content that matches it is kept. */
  query?: string;
  /**
   * `"tool"`: elide with markers and add the `headroom_retrieve` tool; you answer its calls with
   * {@link retrieve}. `"none"` (the default): lossless re-encodings only, nothing to retrieve.
   */
  retrieval?: "none" | "tool";
  /**
   * On trouble reaching or using the proxy (unreachable, timeout, an error status other than 400),
   * resolve with the input unchanged and `compressed: false` instead of throwing (default true).
   * A malformed conversation (400) and the caller's own abort always throw.
   */
  failOpen?: boolean;
  signal?: AbortSignal;
}

/** One run of removed content: `count` `kind` (e.g. 120 lines), restorable by `key`. */
export interface Marker {
  key: string;
  kind: string;
  count: number;
}

export interface BlockStats {
  messageIndex: number;
  partIndex: number | null;
  contentType: string;
  compressor: string;
  tokensIn: number;
  tokensOut: number;
  keys: string[];
}

export interface CompressResult<T> {
  /** The input compressed, in the shape it was given (a message list or a whole request). */
  output: T;
  format: MessageFormat | null;
  /** Whether anything changed. */
  compressed: boolean;
  tokensIn: number;
  tokensOut: number;
  tokensSaved: number;
  markers: Marker[];
  /** Tool definitions to add to the request (already added when a whole request was given). */
  toolsAdded: Record<string, unknown>[];
  blocks: BlockStats[];
  policyHash: string | null;
  warnings: string[];
  /** Why the input came back unchanged (`passthrough:<reason>` from the proxy, or the SDK's). */
  reason?: string;
  /** The error behind a fail-open result. */
  error?: HeadroomError;
}

type Conversation = unknown[] | Record<string, unknown>;

/**
 * Compress a conversation through the proxy's `/v1/compress`, sent and returned in its own provider
 * shape: an OpenAI chat / Responses or Anthropic message list, or a whole request body.
 */
export async function compress<T extends Conversation>(
  input: T,
  options: CompressOptions = {},
): Promise<CompressResult<T>> {
  if (!Array.isArray(input) && !isObject(input)) {
    throw new HeadroomError("compress() takes a message list or a request object");
  }
  const key = Array.isArray(input) ? "messages" : "request";
  const body: Record<string, unknown> = { [key]: input, retrieval: options.retrieval ?? "none" };
  if (options.format !== undefined) body.format = options.format;
  if (options.query !== undefined) body.query = options.query;
  try {
    const answer = await callProxy(resolve(options), "POST", "/v1/compress", body, options.signal);
    return fromAnswer(answer, key, input);
  } catch (error) {
    const failOpen = options.failOpen ?? true;
    if (!failOpen || error instanceof HeadroomInvalidRequestError || error instanceof HeadroomAbortError) {
      throw error;
    }
    const cause = error instanceof HeadroomError ? error : new HeadroomError(String(error), { cause: error });
    return { ...unchanged(input), reason: cause.name, error: cause };
  }
}

function unchanged<T>(input: T): CompressResult<T> {
  return {
    output: input,
    format: null,
    compressed: false,
    tokensIn: 0,
    tokensOut: 0,
    tokensSaved: 0,
    markers: [],
    toolsAdded: [],
    blocks: [],
    policyHash: null,
    warnings: [],
  };
}

function fromAnswer<T>(answer: unknown, key: string, input: T): CompressResult<T> {
  if (!isObject(answer) || !(key in answer)) {
    throw new HeadroomError(`the proxy's /v1/compress answer has no '${key}'`);
  }
  const warnings = strings(answer.warnings);
  const tokensIn = number(answer.tokens_in);
  const tokensOut = number(answer.tokens_out);
  const passthrough = warnings.find((w) => w.startsWith("passthrough:"));
  const result: CompressResult<T> = {
    output: answer[key] as T,
    format: (typeof answer.format === "string" ? answer.format : null) as MessageFormat | null,
    compressed: !passthrough && tokensOut < tokensIn,
    tokensIn,
    tokensOut,
    tokensSaved: tokensIn - tokensOut,
    markers: list(answer.markers).map((m) => ({ key: String(m.key), kind: String(m.kind), count: number(m.count) })),
    toolsAdded: list(answer.tools_added),
    blocks: list(answer.blocks).map(block),
    policyHash: typeof answer.policy_hash === "string" ? answer.policy_hash : null,
    warnings,
  };
  if (passthrough) result.reason = passthrough;
  return passthrough ? { ...result, output: input } : result;
}

function block(raw: Record<string, unknown>): BlockStats {
  return {
    messageIndex: number(raw.message_index),
    partIndex: typeof raw.part_index === "number" ? raw.part_index : null,
    contentType: String(raw.content_type),
    compressor: String(raw.compressor),
    tokensIn: number(raw.tokens_in),
    tokensOut: number(raw.tokens_out),
    keys: strings(raw.keys),
  };
}

function number(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}
