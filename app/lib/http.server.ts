import { data } from "@remix-run/cloudflare";
import { isAppError } from "./errors";

export type FormFailure = { ok: false; formError: string; fieldErrors: Record<string, string> };

/**
 * Runs a form action; expected failures (AppError) become `{ok:false, formError, fieldErrors}`
 * with their HTTP status so the form can show them next to the fields. Bugs still throw (500).
 */
export async function handleForm<T>(fn: () => Promise<T>) {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e)) {
      return data<FormFailure>({ ok: false, formError: e.message, fieldErrors: e.fieldErrors }, { status: e.status, headers: e.headers });
    }
    throw e;
  }
}

/** Runs a loader or API handler; AppErrors become thrown responses caught by the error boundary. */
export async function orRespond<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e)) throw data({ message: e.message }, { status: e.status, headers: e.headers });
    throw e;
  }
}

/** JSON error for resource routes (uploads, API). */
export async function jsonOrError(fn: () => Promise<Response | object>): Promise<Response> {
  try {
    const out = await fn();
    return out instanceof Response ? out : Response.json(out);
  } catch (e) {
    if (isAppError(e)) return Response.json({ error: e.message, fieldErrors: e.fieldErrors }, { status: e.status, headers: e.headers });
    throw e;
  }
}

export const clientIp = (request: Request) => request.headers.get("CF-Connecting-IP") ?? "local";
