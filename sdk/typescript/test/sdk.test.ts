import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

import {
  HeadroomAbortError,
  HeadroomConnectionError,
  HeadroomInvalidRequestError,
  HeadroomNotFoundError,
  HeadroomTimeoutError,
  compress,
  retrieve,
  withHeadroom,
} from "../src/index.js";
import { FakeUpstream, Proxy, freePort, makeLog } from "./harness.js";

const LOG = makeLog();
const CACHE = { type: "ephemeral" };
const fake = new FakeUpstream();
let proxy: Proxy;

before(async () => {
  await fake.start();
  proxy = new Proxy(fake.url);
  await proxy.start();
});

after(async () => {
  await proxy?.stop();
  await fake.stop();
});

function chat(text: string) {
  return [
    { role: "user", content: "What failed?", x_vendor: { keep: true } },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "bash", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "c1", content: text },
  ];
}

function anthropicRequest(text: string) {
  return {
    model: "claude-test",
    max_tokens: 100,
    system: [{ type: "text", text: "Be brief.", cache_control: CACHE }],
    messages: [
      { role: "user", content: [{ type: "text", text: "What failed?", cache_control: CACHE }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "read the log", signature: "sig==" },
          // A command the default policy compresses: its activity rules forward the newest file read verbatim.
          { type: "tool_use", id: "tu_1", name: "bash", input: { cmd: "docker logs api" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "tu_1", content: text, cache_control: CACHE }] },
    ],
    vendor_field: "kept",
  };
}

function responsesRequest(text: string) {
  return {
    model: "gpt-test",
    store: false,
    input: [
      { type: "message", role: "user", content: [{ type: "input_text", text: "What failed?" }] },
      { type: "function_call", call_id: "c1", name: "bash", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: text },
    ],
    include: ["reasoning.encrypted_content"],
  };
}

/** `value` with the string `old` replaced by `replacement` wherever it is a whole value. */
function swapped(value: unknown, old: string, replacement: string): unknown {
  if (value === old) return replacement;
  if (Array.isArray(value)) return value.map((v) => swapped(v, old, replacement));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapped(v, old, replacement)]));
  }
  return value;
}

function compressedText(value: unknown, key: string): string {
  const found = JSON.stringify(value).match(new RegExp(`"((?:[^"\\\\]|\\\\.)*${key}(?:[^"\\\\]|\\\\.)*)"`));
  assert.ok(found?.[1], `no text holds the marker ${key}`);
  return JSON.parse(`"${found[1]}"`) as string;
}

describe("compress() and retrieve() against a real proxy", () => {
  const options = () => ({ baseUrl: proxy.url });

  test("a chat message list comes back as chat, markers retrievable whole and by query", async () => {
    const input = chat(LOG);
    const result = await compress(input, { ...options(), retrieval: "tool" });
    assert.equal(result.format, "openai_chat");
    assert.ok(result.compressed && result.tokensOut < result.tokensIn / 3, JSON.stringify(result.warnings));
    const marker = result.markers[0];
    assert.ok(marker && marker.count > 0);
    assert.deepEqual(result.output, swapped(input, LOG, compressedText(result.output, marker.key)));
    assert.equal(result.toolsAdded.length, 1);
    const whole = await retrieve(marker.key, options());
    assert.deepEqual(whole, { key: marker.key, text: LOG, unit: "whole", matched: 0, total: 0 });
    const lines = await retrieve(marker.key, { ...options(), query: "database refused" });
    assert.equal(lines.unit, "lines");
    assert.match(lines.text, /connection refused/);
  });

  test("an Anthropic request keeps cache_control, thinking and unknown fields", async () => {
    const input = anthropicRequest(LOG);
    const result = await compress(input, { ...options(), retrieval: "tool" });
    assert.equal(result.format, "anthropic");
    const marker = result.markers[0];
    assert.ok(marker);
    const { tools, ...rest } = result.output as typeof input & { tools: unknown[] };
    assert.deepEqual(tools, result.toolsAdded);
    assert.deepEqual(rest, swapped(input, LOG, compressedText(result.output, marker.key)));
  });

  test("a Responses request comes back as Responses", async () => {
    const input = responsesRequest(LOG);
    const result = await compress(input, { ...options(), retrieval: "tool" });
    assert.equal(result.format, "openai_responses");
    const marker = result.markers[0];
    assert.ok(marker);
    const { tools, ...rest } = result.output as typeof input & { tools: unknown[] };
    assert.deepEqual(rest, swapped(input, LOG, compressedText(result.output, marker.key)));
    assert.equal((tools[0] as { name: string }).name, "headroom_retrieve");
  });

  test("without retrieval nothing is elided (lossless only)", async () => {
    const result = await compress(chat(LOG), options());
    assert.deepEqual(result.output, chat(LOG));
    assert.deepEqual(result.markers, []);
    assert.equal(result.compressed, false);
  });

  test("a malformed conversation throws HeadroomInvalidRequestError naming the message", async () => {
    await assert.rejects(compress([{ role: "user", content: 5 }], options()), (error: unknown) => {
      assert.ok(error instanceof HeadroomInvalidRequestError);
      assert.equal(error.status, 400);
      assert.match(error.message, /message 0/);
      return true;
    });
  });

  test("an unknown key throws HeadroomNotFoundError saying what to do", async () => {
    await assert.rejects(retrieve("hr000000000000000001", options()), (error: unknown) => {
      assert.ok(error instanceof HeadroomNotFoundError);
      assert.match(error.message, /Re-run the command/);
      return true;
    });
  });

  test("the bypass header's passthrough reason reaches the result", async () => {
    const bypassing = (url: string | URL | Request, init?: RequestInit) =>
      fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), "x-headroom-bypass": "true" } });
    const result = await compress(chat(LOG), { ...options(), retrieval: "tool", fetch: bypassing });
    assert.equal(result.reason, "passthrough:bypass");
    assert.equal(result.compressed, false);
    assert.deepEqual(result.output, chat(LOG));
  });
});

describe("failures", () => {
  test("an unreachable proxy fails open, or throws HeadroomConnectionError when asked to", async () => {
    const baseUrl = `http://127.0.0.1:${await freePort()}`;
    const input = chat(LOG);
    const result = await compress(input, { baseUrl });
    assert.equal(result.output, input);
    assert.equal(result.compressed, false);
    assert.equal(result.reason, "HeadroomConnectionError");
    await assert.rejects(compress(input, { baseUrl, failOpen: false }), HeadroomConnectionError);
    await assert.rejects(retrieve("hr1", { baseUrl }), HeadroomConnectionError);
  });

  test("a proxy that never answers is cut off at timeoutMs, and the caller's signal aborts", async () => {
    const hung = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((done) => hung.listen(0, "127.0.0.1", done));
    const baseUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      await assert.rejects(compress(chat("x"), { baseUrl, timeoutMs: 200, failOpen: false }), HeadroomTimeoutError);
      assert.ok(Date.now() - started < 2000);
      const open = await compress(chat("x"), { baseUrl, timeoutMs: 200 });
      assert.equal(open.reason, "HeadroomTimeoutError");
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(compress(chat("x"), { baseUrl, signal: controller.signal }), HeadroomAbortError);
    } finally {
      hung.closeAllConnections();
      await new Promise((done) => hung.close(done));
    }
  });
});

describe("withHeadroom(fetch) routes the official SDKs through the proxy", () => {
  test("OpenAI chat: the upstream gets the SDK's own headers, compressed context, no Headroom headers", async () => {
    const tokenSeen: string[] = [];
    const spy = (url: string | URL | Request, init?: RequestInit) => {
      tokenSeen.push(new Headers(init?.headers).get("x-headroom-proxy-token") ?? "");
      return fetch(url, init);
    };
    const client = new OpenAI({
      apiKey: "sk-test",
      organization: "org-1",
      maxRetries: 0,
      fetch: withHeadroom(spy, { baseUrl: proxy.url, token: "tok" }),
    });
    fake.requests.length = 0;
    const reply = await client.chat.completions.create({
      model: "gpt-test",
      messages: chat(LOG) as OpenAI.Chat.ChatCompletionMessageParam[],
    });
    assert.equal(reply.choices[0]?.message.content, "The database refused.");
    const sent = fake.requests.at(-1);
    assert.ok(sent);
    assert.equal(sent.path, "/v1/chat/completions");
    assert.equal(sent.headers.authorization, "Bearer sk-test");
    assert.equal(sent.headers["openai-organization"], "org-1");
    assert.ok(!Object.keys(sent.headers).some((h) => h.startsWith("x-headroom-")));
    assert.ok(sent.body.length < JSON.stringify(chat(LOG)).length / 3, "the proxy compressed the context");
    assert.deepEqual(tokenSeen, ["tok"]);
  });

  test("Anthropic messages: same path and headers upstream; other hosts are not rerouted", async () => {
    const client = new Anthropic({ apiKey: "sk-ant-test", maxRetries: 0, fetch: withHeadroom(fetch, { baseUrl: proxy.url }) });
    fake.requests.length = 0;
    const reply = await client.messages.create({
      model: "claude-test",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    const first = reply.content[0];
    assert.ok(first?.type === "text" && first.text === "The database refused.");
    const sent = fake.requests.at(-1);
    assert.ok(sent);
    assert.equal(sent.path, "/v1/messages");
    assert.ok(sent.headers["anthropic-version"]);
    assert.ok(sent.headers["x-api-key"] === "sk-ant-test" || sent.headers.authorization === "Bearer sk-ant-test");
    const seen: string[] = [];
    const other = withHeadroom(async (url) => (seen.push(String(url)), new Response("{}")), { baseUrl: proxy.url });
    await other("https://example.org/v1/messages?x=1");
    assert.deepEqual(seen, ["https://example.org/v1/messages?x=1"]);
  });
});

test("withHeadroom reroutes a Request object with its body, method and headers", async () => {
  const seen: { url: string; method: string; body: string; token: string | null; auth: string | null }[] = [];
  const recording = async (url: string | URL | Request, init?: RequestInit) => {
    const request = new Request(url, init);
    seen.push({
      url: request.url,
      method: request.method,
      body: await request.text(),
      token: request.headers.get("x-headroom-proxy-token"),
      auth: request.headers.get("authorization"),
    });
    return new Response("{}");
  };
  const routed = withHeadroom(recording, { baseUrl: "http://127.0.0.1:9/prefix/", token: "tok" });
  const original = new Request("https://api.openai.com/v1/responses?x=1", {
    method: "POST",
    headers: { authorization: "Bearer sk-test" },
    body: '{"input":"hi"}',
  });
  await routed(original);
  assert.deepEqual(seen, [
    {
      url: "http://127.0.0.1:9/prefix/v1/responses?x=1",
      method: "POST",
      body: '{"input":"hi"}',
      token: "tok",
      auth: "Bearer sk-test",
    },
  ]);
});
