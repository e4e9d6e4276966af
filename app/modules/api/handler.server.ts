/**
 * The /api/v1 front door, called by the Worker entry before Remix: CORS for public endpoints,
 * bearer-token authentication with rate limiting, scopes, JSON bodies, `Idempotency-Key` on POST,
 * and RFC 9457 problem documents for every error.
 */
import { isAppError, AppError } from "~/lib/errors";
import { authenticateApi, rateHeaders, requireScope, type ApiCaller } from "./auth.server";
import { ENDPOINTS, matchEndpoint } from "./endpoints.server";
import { runIdempotent } from "./idempotency.server";
import { buildOpenApi } from "./openapi.server";
import { problemFromError, problemResponse } from "./problem";

export const API_PREFIX = "/api/v1";

const CORS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "86400",
};

const publicPath = (path: string) => path.startsWith("/public/") || path === "/openapi.json";

const MAX_BODY_BYTES = 256 * 1024;

export async function handleApi(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.slice(API_PREFIX.length) || "/";
  const cors = publicPath(path) ? CORS : {};
  let caller: ApiCaller | null = null;
  try {
    if (request.method === "OPTIONS") {
      if (!publicPath(path)) return problemResponse(405, "Cross-origin requests are allowed on the public endpoints only.");
      return new Response(null, { status: 204, headers: CORS });
    }
    if (path === "/openapi.json" && request.method === "GET") {
      return Response.json(buildOpenApi(env), { headers: { ...CORS, "Cache-Control": "public, max-age=300" } });
    }
    const match = matchEndpoint(request.method, path);
    if (!match) throw new AppError(404, "There is no such API endpoint. See /api/v1/openapi.json.");
    if ("allowed" in match) throw new AppError(405, `Use ${match.allowed.join(", ")} here.`, {}, { Allow: match.allowed.join(", ") });
    const { endpoint, params } = match;
    if (endpoint.scope !== "public") {
      caller = await authenticateApi(env, request);
      if (endpoint.scope !== "token") requireScope(caller, endpoint.scope);
    }
    const body = endpoint.body ? await readJson(request) : undefined;
    const upload = endpoint.upload ? request.body : null;
    const run = async () => {
      const out = await endpoint.handle({ env, ctx, caller, params, query: url.searchParams, body, upload });
      return { status: endpoint.status ?? 200, body: out };
    };
    let result: { status: number; body: unknown; replayed: boolean };
    if (request.method === "POST" && caller) {
      // An upload's bytes are not buffered to hash them: its type and length stand in for them.
      const sent = endpoint.upload
        ? `${request.headers.get("Content-Type")} ${request.headers.get("Content-Length")}`
        : JSON.stringify(body ?? null);
      const fingerprint = `${request.method} ${path}\n${sent}`;
      result = await runIdempotent(env, caller.tokenId, request.headers.get("Idempotency-Key"), fingerprint, run);
    } else result = { ...(await run()), replayed: false };
    const headers = new Headers({ ...cors, "Cache-Control": "private, no-store" });
    if (caller) for (const [k, val] of Object.entries(rateHeaders(caller.rate))) headers.set(k, val);
    if (result.replayed) headers.set("Idempotent-Replayed", "true");
    const stored = result.body as { __problem?: { message: string; errors: Record<string, string> } } | null;
    if (stored && typeof stored === "object" && stored.__problem)
      return problemResponse(result.status, stored.__problem.message, { errors: stored.__problem.errors, headers });
    if (result.status === 204) return new Response(null, { status: 204, headers });
    headers.set("Content-Type", "application/json");
    return new Response(JSON.stringify(result.body), { status: result.status, headers });
  } catch (e) {
    const headers = new Headers(cors);
    if (caller) for (const [k, val] of Object.entries(rateHeaders(caller.rate))) headers.set(k, val);
    if (isAppError(e)) return problemFromError(e, headers);
    console.error("api: unexpected error", e);
    return problemResponse(500, "Something went wrong on our side. Please try again.", { headers });
  }
}

async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^application\/(?:[\w.+-]*\+)?json\b/i.test(type))
    throw new AppError(415, "Send the body as JSON (Content-Type: application/json).");
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new AppError(413, "The request body is too large (256 KB at most).");
  if (!text.trim()) return {};
  try {
    const body: unknown = JSON.parse(text);
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
    return body;
  } catch {
    throw new AppError(400, "The request body is not a JSON object.");
  }
}

export const endpointCount = () => ENDPOINTS.length;
