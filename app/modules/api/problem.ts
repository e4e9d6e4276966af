import { AppError } from "~/lib/errors";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

export type Problem = { type: string; title: string; status: number; detail: string; errors?: Record<string, string> };

/** An RFC 9457 problem document (`application/problem+json`), the API's one error format. */
export function problemResponse(status: number, detail: string, extra: { errors?: Record<string, string>; headers?: HeadersInit } = {}) {
  const body: Problem = { type: "about:blank", title: TITLES[status] ?? "Error", status, detail };
  if (extra.errors && Object.keys(extra.errors).length) body.errors = extra.errors;
  const headers = new Headers(extra.headers);
  headers.set("Content-Type", "application/problem+json");
  return new Response(JSON.stringify(body), { status, headers });
}

export function problemFromError(e: AppError, headers?: HeadersInit) {
  const h = new Headers(headers);
  for (const [k, val] of Object.entries(e.headers)) h.set(k, val);
  return problemResponse(e.status, e.message, { errors: e.fieldErrors, headers: h });
}
