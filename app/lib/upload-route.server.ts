import { redirect } from "@remix-run/cloudflare";
import { isAppError, tooLarge } from "./errors";
import { jsonOrError } from "./http.server";

type Source = ReadableStream<Uint8Array> | File | null;

/**
 * Shared shape of image-upload resource routes. The enhanced form sends raw bytes (XHR, for a real
 * progress bar) and gets JSON; the no-JavaScript multipart form is redirected to `back` with
 * `?uploaded=1` or `?uploadError=…`. Bodies declared larger than the limit are refused unread.
 */
export async function imageUploadAction(
  request: Request,
  opts: { field: string; maxBytes: number; back: string; store: (source: Source) => Promise<object> },
): Promise<Response> {
  const isMultipart = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  const run = async () => {
    const declared = Number(request.headers.get("Content-Length") ?? "0");
    if (declared > opts.maxBytes + 64 * 1024) throw tooLarge(`That image is too large. The limit is ${Math.round(opts.maxBytes / 1024 / 1024)} MB.`);
    if (isMultipart) {
      const files = (await request.formData()).getAll(opts.field).filter((f): f is File => f instanceof File && f.size > 0);
      if (!files.length) return opts.store(null);
      let last: object = {};
      for (const f of files) last = await opts.store(f);
      return last;
    }
    return opts.store(request.body);
  };
  if (!isMultipart) return jsonOrError(run);
  const sep = opts.back.includes("?") ? "&" : "?";
  try {
    await run();
    return redirect(`${opts.back}${sep}uploaded=1`);
  } catch (e) {
    if (isAppError(e)) return redirect(`${opts.back}${sep}uploadError=${encodeURIComponent(e.message)}`);
    throw e;
  }
}
