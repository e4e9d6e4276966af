import { newId } from "~/lib/ids";
import { tooLarge, unprocessable, unsupportedMedia } from "~/lib/errors";
import { sniffImage, type ImageType } from "~/lib/sniff";
import { FORMAT_LABEL, inspectImage } from "./structure";
import { sizedKey, variantKey, variantSource, variantWidths, type VariantKind } from "~/lib/image-variants";
import { makeVariants } from "./variants.server";

import { IMAGE_LIMITS, NOT_AN_IMAGE_MESSAGE, tooLargeMessage, type ImageKind } from "~/lib/upload-limits";

export { IMAGE_LIMITS, MB, type ImageKind } from "~/lib/upload-limits";

/**
 * Reads a body stream into memory, stopping (and cancelling the stream) as soon as it passes
 * `maxBytes` so an oversized upload is refused without buffering all of it.
 */
export async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number, what = "file"): Promise<Uint8Array> {
  if (!body) throw unprocessable(`Choose a ${what} to upload.`);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(tooLargeMessage(what, maxBytes));
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Accepts an image upload from either a raw body or a multipart File, validated by magic bytes and then parsed whole (structure and dimensions). */
export async function readImageUpload(source: ReadableStream<Uint8Array> | File | null, kind: ImageKind): Promise<UploadedImage> {
  const max = IMAGE_LIMITS[kind];
  const label = "image";
  if (source && typeof (source as File).arrayBuffer === "function" && "size" in source) {
    const file = source as File;
    if (file.size === 0) throw unprocessable(`Choose an ${label} to upload.`);
    if (file.size > max) throw tooLarge(tooLargeMessage(label, max, file.size));
    source = file.stream();
  }
  const bytes = await readLimited(source as ReadableStream<Uint8Array> | null, max, label);
  if (bytes.byteLength === 0) throw unprocessable(`Choose an ${label} to upload.`);
  const type = sniffImage(bytes);
  if (!type) throw unsupportedMedia(NOT_AN_IMAGE_MESSAGE);
  // The magic bytes only name the format; the whole file must match it before it is stored (D51).
  const check = inspectImage(bytes, type.mime);
  if (!check.ok && check.reason === "incomplete")
    throw unprocessable(`That file isn't a complete ${FORMAT_LABEL[type.mime]} image (it may be truncated or corrupted).`);
  if (!check.ok)
    throw unprocessable(
      `That image is ${check.width}×${check.height} pixels; images can be at most 12,000 pixels on a side and 40 megapixels.`,
    );
  return { bytes, ...type, width: check.width, height: check.height };
}

/** Images up to this many pixels get resized variants at upload (16 MP: 64 MB decoded). */
export const MAX_VARIANT_PIXELS = 16_000_000;

export type UploadedImage = { bytes: Uint8Array; mime: ImageType["mime"]; ext: string; width: number; height: number };

/**
 * Stores a validated public image in R2 under a random key (never the user's file name), with its
 * resized WebP variants beside it (decision 0107). The pixels are decoded before anything is
 * stored: a file that passed the structure checks but doesn't decode is refused (422) and leaves
 * nothing behind. With IMAGE_VARIANTS="cloudflare" (production) no variants are made here — the
 * media route has Cloudflare's image transformations make them on first request.
 */
export async function putPublicImage(env: Env, kind: ImageKind, ownerId: string, image: UploadedImage): Promise<string> {
  const base = `public/${kind}/${ownerId}/${newId(16)}`;
  // GIFs (often animated) are served as uploaded; so are images past MAX_VARIANT_PIXELS, whose
  // decoded pixels (4 bytes each) would not fit a Worker's 128 MB of memory beside the codecs.
  const sized = image.mime !== "image/gif" && image.width * image.height <= MAX_VARIANT_PIXELS;
  const key = sized ? sizedKey(base, image.width, image.height, image.ext) : `${base}.${image.ext}`;
  let variants: { width: number; bytes: Uint8Array }[] = [];
  if (sized && env.IMAGE_VARIANTS !== "cloudflare") {
    try {
      variants = await makeVariants(kind, image.bytes, image.mime);
    } catch {
      throw unprocessable(
        `That ${FORMAT_LABEL[image.mime]} image couldn't be read (it may be corrupted). Try saving it again or choose another file.`,
      );
    }
  }
  const httpMetadata = { cacheControl: "public, max-age=31536000, immutable" };
  const customMetadata = { owner: ownerId, kind };
  // Variants first: the original's key is what gets saved on the record, so by the time anything
  // can link to it, every variant its srcset names already exists.
  await Promise.all(
    variants.map((v) =>
      env.MEDIA.put(variantKey(key, v.width), v.bytes, {
        httpMetadata: { ...httpMetadata, contentType: "image/webp" },
        customMetadata,
      }),
    ),
  );
  await env.MEDIA.put(key, image.bytes, { httpMetadata: { ...httpMetadata, contentType: image.mime }, customMetadata });
  return key;
}

/** The variant keys stored beside an original (none for GIFs and images stored before variants). */
export function variantKeysOf(key: string): string[] {
  const m = /^public\/(avatar|logo|screenshot|cover)\/.+_(\d{1,5})x\d{1,5}\.(png|jpg|webp)$/.exec(key);
  return m ? variantWidths(m[1] as VariantKind, Number(m[2])).map((w) => variantKey(key, w)) : [];
}

export async function deleteMedia(env: Env, keys: (string | null | undefined)[]): Promise<void> {
  const list = keys.filter((k): k is string => !!k).flatMap((k) => [k, ...variantKeysOf(k)]);
  if (list.length) await env.MEDIA.delete(list);
}

export const mediaUrl = (key: string | null | undefined) => (key ? `/media/${key}` : null);

/**
 * Serves a public R2 object: immutable caching (keys are never reused), ETag + 304,
 * Range → 206, and nosniff so browsers never reinterpret bytes.
 */
export async function servePublicMedia(env: Env, key: string, request: Request): Promise<Response> {
  if (!key.startsWith("public/") || key.includes("..")) return new Response("Not found", { status: 404 });
  const obj = await env.MEDIA.get(key, { onlyIf: request.headers, range: request.headers });
  if (!obj && env.IMAGE_VARIANTS === "cloudflare" && env.IMAGE_ORIGIN) {
    // Production with image transformations (D0107): a variant not stored is made from the
    // original by Cloudflare (and cached by it), fetched from the bucket's public origin.
    const v = variantSource(key);
    if (v) {
      const res = await fetch(new URL(`/${v.original}`, env.IMAGE_ORIGIN), {
        cf: { image: { width: v.width, format: "webp", fit: "scale-down" } },
      });
      if (res.ok) {
        const headers = new Headers(res.headers);
        headers.set("Cache-Control", "public, max-age=31536000, immutable");
        headers.set("X-Content-Type-Options", "nosniff");
        return new Response(res.body, { status: 200, headers });
      }
    }
  }
  if (!obj) return new Response("Not found", { status: 404, headers: { "X-Content-Type-Options": "nosniff" } });
  const headers = new Headers();
  obj.writeHttpMetadata(headers);
  headers.set("ETag", obj.httpEtag);
  headers.set("Cache-Control", "public, max-age=31536000, immutable");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Accept-Ranges", "bytes");
  headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
  return r2ObjectResponse(obj, request, headers);
}

/** Answers with an R2 object: 304 when a condition failed (no body), 206 for a Range, else 200. */
export function r2ObjectResponse(obj: R2Object | R2ObjectBody, request: Request, headers: Headers): Response {
  headers.set("Accept-Ranges", "bytes");
  if (!("body" in obj) || !obj.body) return new Response(null, { status: 304, headers });
  if (obj.range && request.headers.has("Range")) {
    const r = obj.range as { offset?: number; length?: number; suffix?: number };
    const offset = r.offset ?? (r.suffix != null ? obj.size - r.suffix : 0);
    const length = r.length ?? obj.size - offset;
    headers.set("Content-Range", `bytes ${offset}-${offset + length - 1}/${obj.size}`);
    headers.set("Content-Length", String(length));
    return new Response(obj.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(obj.size));
  return new Response(obj.body, { status: 200, headers });
}
