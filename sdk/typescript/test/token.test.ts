import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { after, before, test } from "node:test";

import { HeadroomNotFoundError, compress, retrieve } from "../src/index.js";
import { FakeUpstream, Proxy, makeLog } from "./harness.js";

// The proxy's library routes answer callers beyond loopback only with its token: reach it through
// this machine's own non-loopback address (still no traffic leaves the machine).
const address = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
const skip = address ? false : "this machine has no non-loopback IPv4 address to call the proxy from";
const fake = new FakeUpstream();
let proxy: Proxy;

before(async () => {
  if (!address) return;
  await fake.start();
  proxy = new Proxy(fake.url, address, { HEADROOM_PROXY_TOKEN: "s3cret" });
  await proxy.start();
});

after(async () => {
  await proxy?.stop();
  await fake.stop();
});

test("beyond loopback: refused without the token, served with it (X-Headroom-Proxy-Token)", { skip }, async () => {
  const log = makeLog();
  const messages = [
    { role: "user", content: "What failed?" },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "sh", arguments: "{}" } }] },
    { role: "tool", tool_call_id: "c1", content: log },
  ];
  await assert.rejects(compress(messages, { baseUrl: proxy.url, failOpen: false }), HeadroomNotFoundError);
  await assert.rejects(compress(messages, { baseUrl: proxy.url, token: "wrong", failOpen: false }), HeadroomNotFoundError);
  const result = await compress(messages, { baseUrl: proxy.url, token: "s3cret", retrieval: "tool", failOpen: false });
  const key = result.markers[0]?.key;
  assert.ok(key && result.compressed);
  assert.equal((await retrieve(key, { baseUrl: proxy.url, token: "s3cret" })).text, log);
  await assert.rejects(retrieve(key, { baseUrl: proxy.url }), HeadroomNotFoundError);
});
