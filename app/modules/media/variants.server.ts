/**
 * Resized WebP variants of uploaded public images, made at upload time inside the Worker with the
 * jSquash codecs (Squoosh's wasm builds of libwebp, mozjpeg, the png crate and its resizer;
 * decision 0107). Each wasm module is imported as a compiled `WebAssembly.Module` (`?module`), so
 * nothing is fetched at run time, and is instantiated once per isolate on first use.
 */
import decodePng, { init as initPng } from "@jsquash/png/decode.js";
import decodeJpeg, { init as initJpegDec } from "@jsquash/jpeg/decode.js";
import decodeWebp, { init as initWebpDec } from "@jsquash/webp/decode.js";
import encodeWebp, { init as initWebpEnc } from "@jsquash/webp/encode.js";
import resize, { initResize } from "@jsquash/resize";
import pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm?module";
import jpegDecWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm?module";
import webpDecWasm from "@jsquash/webp/codec/dec/webp_dec.wasm?module";
import webpEncWasm from "@jsquash/webp/codec/enc/webp_enc_simd.wasm?module";
import resizeWasm from "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm?module";
import type { ImageType } from "~/lib/sniff";
import { variantWidths, type VariantKind } from "~/lib/image-variants";

type Pixels = { data: Uint8ClampedArray; width: number; height: number; colorSpace?: string };

let ready: Promise<unknown> | null = null;
function initCodecs() {
  ready ??= Promise.all([
    initPng(pngWasm),
    initJpegDec(jpegDecWasm),
    initWebpDec(webpDecWasm),
    initWebpEnc(webpEncWasm),
    initResize(resizeWasm),
  ]).catch((e) => {
    ready = null; // a failed start is retried by the next upload, not remembered forever
    throw e;
  });
  return ready;
}

/** Decodes a (whole, already inspected) PNG, JPEG or WebP to RGBA pixels; GIFs are not resized. */
export async function decodeImage(bytes: Uint8Array, mime: ImageType["mime"]): Promise<Pixels | null> {
  if (mime === "image/gif") return null;
  await initCodecs();
  const buf = bytes.slice().buffer as ArrayBuffer;
  const out = mime === "image/png" ? await decodePng(buf) : mime === "image/jpeg" ? await decodeJpeg(buf) : await decodeWebp(buf);
  return out as unknown as Pixels;
}

export type ImageVariant = { width: number; height: number; bytes: Uint8Array };

/**
 * Every variant the page markup will ask for (see `variantWidths`): the image scaled to each
 * width (never up), encoded as WebP. Throws when the pixels cannot be decoded — the caller refuses
 * the upload, so a corrupt file never gets a variant.
 */
export async function makeVariants(kind: VariantKind, bytes: Uint8Array, mime: ImageType["mime"]): Promise<ImageVariant[]> {
  const pixels = await decodeImage(bytes, mime);
  if (!pixels) return [];
  const out: ImageVariant[] = [];
  for (const w of variantWidths(kind, pixels.width)) {
    const h = Math.max(1, Math.round((pixels.height * w) / pixels.width));
    const scaled =
      w === pixels.width ? pixels : ((await resize(pixels as unknown as ImageData, { width: w, height: h })) as unknown as Pixels);
    const webp = await encodeWebp(scaled as unknown as ImageData, { quality: 78 });
    out.push({ width: w, height: h, bytes: new Uint8Array(webp) });
  }
  return out;
}
