/**
 * vitest globalSetup (runs in Node): a real local webhook receiver on loopback, so creators'
 * webhooks are delivered over real HTTP from workerd (no mocked fetch). Its port reaches the Worker
 * as the WEBHOOK_RECEIVER_PORT binding.
 *   POST /hook/<name>/ok → 200 "thanks"    POST /hook/<name>/<status> → that status (e.g. 500, 410)
 *   POST /hook/<name>/redirect → 302 to /hook/<name>/ok (must not be followed)
 *   GET  /_captured?name=<name> → {requests: [{path, headers, body}]} in arrival order
 */
import { createServer, type IncomingHttpHeaders } from "node:http";

type Captured = { path: string; headers: IncomingHttpHeaders; body: string };

export default async function setup() {
  const port = Number(process.env.ALLTHRIVE_TEST_WEBHOOK_PORT);
  const seen = new Map<string, Captured[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (req.method === "GET" && url.pathname === "/_captured") {
        res.writeHead(200, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ requests: seen.get(url.searchParams.get("name") ?? "") ?? [] }));
      }
      const m = /^\/hook\/([\w-]+)\/(\w+)$/.exec(url.pathname);
      if (req.method !== "POST" || !m) {
        res.writeHead(404);
        return res.end("not found");
      }
      const [, name, mode] = m;
      seen.set(name, [
        ...(seen.get(name) ?? []),
        { path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") },
      ]);
      if (mode === "ok") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        return res.end("thanks");
      }
      if (mode === "redirect") {
        res.writeHead(302, { Location: `/hook/${name}/ok` });
        return res.end();
      }
      res.writeHead(Number(mode) || 500, { "Content-Type": "text/plain" });
      res.end(`receiver answered ${mode} ${"x".repeat(3000)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
