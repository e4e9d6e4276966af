import { exports } from "cloudflare:workers";

export const ORIGIN = "http://localhost:8787";

/** Sends a request through the real Worker entry (Remix, session, security checks). */
export function app(path: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("Cookie", init.cookie);
  headers.set("Host", new URL(ORIGIN).host);
  const method = (init.method ?? "GET").toUpperCase();
  if (!["GET", "HEAD"].includes(method) && !headers.has("Origin")) headers.set("Origin", ORIGIN);
  return (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default.fetch(
    new Request(ORIGIN + path, { ...init, headers, redirect: "manual" }),
  );
}

/** Posts a form the way a browser would (urlencoded, same origin). */
export function postForm(path: string, fields: Record<string, string>, opts: { cookie?: string; headers?: Record<string, string> } = {}) {
  return app(path, { method: "POST", body: new URLSearchParams(fields), cookie: opts.cookie, headers: opts.headers });
}

/** The `name=value` part of a response's session cookie. */
export function sessionCookie(res: Response): string | undefined {
  const all = res.headers.getSetCookie?.() ?? [res.headers.get("Set-Cookie") ?? ""];
  return all.find((c) => c.startsWith("at_session="))?.split(";")[0];
}
