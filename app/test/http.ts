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

/**
 * The values a Remix `.data` (turbo-stream) response gives to `key`, wherever it appears: the
 * stream stores each distinct string and value once and refers to them by index, so a test can't
 * look for `"key",value` next to each other.
 */
export function dataValues(text: string, key: string): unknown[] {
  const flat = JSON.parse(text.split("\n")[0]) as unknown[];
  const out: unknown[] = [];
  flat.forEach((k, i) => {
    if (k !== key) return;
    for (const item of flat) {
      if (item && typeof item === "object" && !Array.isArray(item) && `_${i}` in item) {
        const v = (item as Record<string, number>)[`_${i}`];
        out.push(v >= 0 ? flat[v] : v === -5 ? null : v === -7 ? undefined : v);
      }
    }
  });
  return out;
}
