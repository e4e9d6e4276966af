/**
 * vitest globalSetup (runs in Node): a tiny HTTP endpoint on loopback standing in for the email
 * provider (Resend-shaped), so the real "http" transport can be tested from workerd without mocking
 * our bindings or `fetch`. The port reaches the Worker as the EMAIL_CAPTURE_PORT binding.
 *   POST /emails/ok   → 200 {id}            POST /emails/<status> → that status (e.g. 500, 429, 422)
 *   GET  /_captured?key=<Idempotency-Key> → {requests: [{path, headers, body}]} in arrival order
 */
import { createServer, type IncomingHttpHeaders } from "node:http";

type Captured = { path: string; headers: IncomingHttpHeaders; body: string };

export default async function setup() {
  const port = Number(process.env.ALLTHRIVE_TEST_EMAIL_PORT);
  const seen: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET" && url.pathname === "/_captured") {
        const key = url.searchParams.get("key");
        return json(200, { requests: seen.filter((r) => r.headers["idempotency-key"] === key) });
      }
      const mode = /^\/emails\/([a-z0-9]+)$/.exec(url.pathname)?.[1];
      if (req.method !== "POST" || !mode) return json(404, { message: "not found" });
      seen.push({ path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (mode === "ok") return json(200, { id: `em_${seen.length}` });
      return json(Number(mode) || 500, { message: `capture server answered ${mode}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
