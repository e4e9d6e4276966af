import { redirect } from "@remix-run/cloudflare";
import { isAppError, tooLarge } from "./errors";
import { jsonOrError } from "./http.server";
import { tooLargeMessage } from "./upload-limits";

type Source = ReadableStream<Uint8Array> | File | null;

/**
 * Shared shape of image-upload resource routes. The enhanced form sends raw bytes (XHR, for a real
 * progress bar) and gets JSON; the no-JavaScript multipart form is redirected to `back` with
 * `?uploaded=1` or `?uploadError=…`. Bodies declared larger than the limit are refused unread, with
 * the same message the browser shows when it checks the file before sending.
 * `maxBytes` is the limit per image; a multipart form may carry up to `maxFiles` of them.
 */
export async function imageUploadAction(
  request: Request,
  opts: { field: string; maxBytes: number; maxFiles?: number; back: string; store: (source: Source) => Promise<object> },
): Promise<Response> {
  const isMultipart = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  const run = async () => {
    const declared = Number(request.headers.get("Content-Length") ?? "0");
    const allowed = isMultipart ? opts.maxBytes * (opts.maxFiles ?? 1) + 64 * 1024 : opts.maxBytes;
    if (declared > allowed)
      throw tooLarge(tooLargeMessage("image", opts.maxBytes, isMultipart && (opts.maxFiles ?? 1) > 1 ? undefined : declared));
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
