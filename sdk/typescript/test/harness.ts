// A fake provider and a real `headroom proxy` in front of it, both on loopback: no network.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: .test-build/test/ -> sdk/typescript -> repo. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Answers the provider routes with fixed replies and records every request it gets. */
export class FakeUpstream {
  readonly requests: Recorded[] = [];
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req, res));
    this.url = `http://127.0.0.1:${await listen(this.server, "127.0.0.1")}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "";
    this.requests.push({ method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks).toString() });
    const reply = path.startsWith("/v1/messages") ? ANTHROPIC_REPLY : path.startsWith("/v1/chat") ? CHAT_REPLY : null;
    res.writeHead(reply ? 200 : 404, { "content-type": "application/json", "request-id": "req_fake" });
    res.end(JSON.stringify(reply ?? { error: { message: "no such route", type: "not_found" } }));
  }
}

const CHAT_REPLY = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-test",
  choices: [{ index: 0, message: { role: "assistant", content: "The database refused." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
};

const ANTHROPIC_REPLY = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-test",
  content: [{ type: "text", text: "The database refused." }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 4 },
};

function listen(server: Server, host: string, port = 0): Promise<number> {
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => done((server.address() as AddressInfo).port));
  });
}

/** A port nothing listens on right now. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const probe = createTcpServer();
  const port = await new Promise<number>((done, fail) => {
    probe.once("error", fail);
    probe.listen(0, host, () => done((probe.address() as AddressInfo).port));
  });
  await new Promise((done) => probe.close(done));
  return port;
}

/** The Python that runs the proxy: `$HEADROOM_PYTHON`, else the repository's `.venv` (`make setup`). */
export function python(): string {
  const venv = join(REPO, ".venv", "bin", "python");
  return process.env.HEADROOM_PYTHON ?? (existsSync(venv) ? venv : "python3");
}

/** `python -m headroom proxy` on `host`, forwarding to `upstream`, until `stop()`. */
export class Proxy {
  url = "";
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "headroom-ts-"));
  private output = "";

  constructor(
    private readonly upstream: string,
    private readonly host = "127.0.0.1",
    private readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    const port = await freePort(this.host);
    const args = ["-m", "headroom", "proxy", "--host", this.host, "--port", String(port)];
    args.push("--anthropic-upstream", this.upstream, "--openai-upstream", this.upstream);
    this.child = spawn(python(), args, {
      cwd: REPO,
      env: {
        ...process.env,
        PYTHONPATH: REPO, // this checkout's headroom, whatever the venv was installed from
        HEADROOM_STORE_PATH: join(this.dir, "store.db"),
        HEADROOM_PROXY_TRUST_ENV: "false",
        HEADROOM_PROXY_COMPRESS_DEADLINE_MS: "30000", // the first compression in a process warms up
        HEADROOM_PROXY_COMPRESS_DEADLINE_MAX_MS: "30000",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.url = `http://${this.host}:${port}`;
    await this.ready();
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`the proxy exited:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`the proxy did not become ready in 60 s:\n${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A log with one error line in 300, the kind of tool output the proxy elides. */
export function makeLog(lines = 300): string {
  const body = Array.from(
    { length: lines },
    (_, i) =>
      `2026-01-01 10:${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")} INFO request ${i} served in ${(i * 3) % 97} ms`,
  );
  body.splice(lines / 2, 0, "2026-01-01 10:02:30 ERROR database connection refused: host db-1 port 5432");
  return body.join("\n") + "\n";
}
