import { env } from "cloudflare:workers";
import createClient from "openapi-fetch";
import { createPersonalToken } from "~/modules/api/tokens.server";
import type { Scope } from "~/modules/api/scopes";
import type { Viewer } from "~/modules/identity/auth.server";
import type { paths } from "~/modules/api/openapi-types";
import { ORIGIN, app } from "./http";

/** A personal access token for `viewer` with these scopes (through the real service). */
export async function tokenFor(viewer: Viewer, scopes: Scope[], expiresInDays = 30) {
  return (await createPersonalToken(env, viewer, { name: "test", scopes, expiresInDays: String(expiresInDays) })).token;
}

/**
 * The typed client generated from the OpenAPI document (openapi-typescript + openapi-fetch),
 * sending every request through the real Worker entry.
 */
export function apiClient(token?: string, headers: Record<string, string> = {}) {
  return createClient<paths>({
    baseUrl: `${ORIGIN}/api/v1`,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    fetch: (req: Request) =>
      app(new URL(req.url).pathname + new URL(req.url).search, {
        method: req.method,
        headers: req.headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : req.body,
        // @ts-expect-error workerd needs duplex for a streamed body
        duplex: "half",
      }),
  });
}

/** A raw call to the API (for what the typed client can't express: bad tokens, wrong bodies). */
export function api(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  return app(`/api/v1${path}`, { ...init, headers });
}
