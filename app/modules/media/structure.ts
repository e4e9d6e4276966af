import { imageSize } from "image-size";
import type { ImageType } from "~/lib/sniff";

/**
 * Whole-file checks run after the magic bytes match and before anything is stored (decision D51).
 * They walk each format's container (chunks, segments, blocks) to the end of the file without
 * decoding pixels, so a truncated file, a corrupted chunk or a signature glued onto HTML is
 * refused. Dimensions come from `image-size`; the limits below keep public pages cheap to render.
 */
export const MAX_IMAGE_SIDE = 12_000;
export const MAX_IMAGE_PIXELS = 40_000_000;

export const FORMAT_LABEL: Record<ImageType["mime"], string> = {
  "image/png": "PNG",
  "image/jpeg": "JPEG",
  "image/webp": "WebP",
  "image/gif": "GIF",
};

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (PNG, zlib) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u32le = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const fourcc = (b: Uint8Array, i: number) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);
const isLetter = (x: number) => (x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a);

/** PNG: signature, then chunks with valid lengths and CRCs; IHDR first, an IDAT, IEND last with nothing after it. */
export function isWholePng(b: Uint8Array): boolean {
  let pos = 8;
  let first = true;
  let sawData = false;
  while (pos + 12 <= b.length) {
    const len = u32be(b, pos);
    if (len > 0x7fffffff || pos + 12 + len > b.length) return false;
    for (let i = 4; i < 8; i++) if (!isLetter(b[pos + i])) return false;
    const type = fourcc(b, pos + 4);
    if (crc32(b, pos + 4, pos + 8 + len) !== u32be(b, pos + 8 + len)) return false;
    if (first && (type !== "IHDR" || len !== 13)) return false;
    if (!first && type === "IHDR") return false;
    first = false;
    if (type === "IDAT") sawData = true;
    pos += 12 + len;
    if (type === "IEND") return len === 0 && sawData && pos === b.length;
  }
  return false;
}

/** JPEG: SOI, marker segments with valid lengths (a frame header before the first scan), scans, and EOI as the last bytes. */
export function isWholeJpeg(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let pos = 2;
  let sawFrame = false;
  let sawScan = false;
  while (pos < b.length) {
    if (b[pos] !== 0xff) return false;
    while (pos < b.length && b[pos] === 0xff) pos++; // fill bytes
    if (pos >= b.length) return false;
    const marker = b[pos++];
    if (marker === 0xd9) return sawScan && pos === b.length; // EOI
    if (marker === 0x00 || marker === 0xd8) return false;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // standalone markers
    if (pos + 2 > b.length) return false;
    const len = u16be(b, pos);
    if (len < 2 || pos + len > b.length) return false;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) sawFrame = true;
    pos += len;
    if (marker === 0xda) {
      if (!sawFrame) return false;
      sawScan = true;
      // Entropy-coded data runs until a marker that is not byte stuffing (FF00) or a restart marker.
      for (;;) {
        if (pos + 1 >= b.length) return false;
        if (b[pos] === 0xff) {
          const next = b[pos + 1];
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) pos += 2;
          else if (next === 0xff) pos += 1;
          else break;
        } else pos++;
      }
    }
  }
  return false;
}

/** GIF: header, screen descriptor and colour table, then image/extension blocks through the trailer (0x3B) as the last byte. */
export function isWholeGif(b: Uint8Array): boolean {
  if (b.length < 14) return false;
  let pos = 13;
  if (b[10] & 0x80) pos += 3 * (1 << ((b[10] & 7) + 1));
  let sawImage = false;
  const skipSubBlocks = (): boolean => {
    for (;;) {
      if (pos >= b.length) return false;
      const size = b[pos++];
      if (size === 0) return true;
      pos += size;
    }
  };
  while (pos < b.length) {
    const block = b[pos++];
    if (block === 0x3b) return sawImage && pos === b.length;
    if (block === 0x21) {
      pos++; // extension label
      if (!skipSubBlocks()) return false;
    } else if (block === 0x2c) {
      if (pos + 9 > b.length) return false;
      const flags = b[pos + 8];
      pos += 9;
      if (flags & 0x80) pos += 3 * (1 << ((flags & 7) + 1));
      pos++; // LZW minimum code size
      if (!skipSubBlocks()) return false;
      sawImage = true;
    } else return false;
  }
  return false;
}

/** WebP: RIFF size equal to the file size − 8, chunks that tile the file exactly, starting with VP8/VP8L/VP8X and holding image data. */
export function isWholeWebp(b: Uint8Array): boolean {
  if (b.length < 20 || u32le(b, 4) !== b.length - 8) return false;
  let pos = 12;
  let sawImage = false;
  const first = fourcc(b, 12);
  if (first !== "VP8 " && first !== "VP8L" && first !== "VP8X") return false;
  while (pos < b.length) {
    if (pos + 8 > b.length) return false;
    const type = fourcc(b, pos);
    const size = u32le(b, pos + 4);
    const end = pos + 8 + size + (size & 1);
    if (end > b.length) return false;
    if (type === "VP8 " || type === "VP8L" || type === "ANMF") sawImage = true;
    pos = end;
  }
  return sawImage;
}

const WHOLE: Record<ImageType["mime"], (b: Uint8Array) => boolean> = {
  "image/png": isWholePng,
  "image/jpeg": isWholeJpeg,
  "image/webp": isWholeWebp,
  "image/gif": isWholeGif,
};
const SIZE_TYPE: Record<ImageType["mime"], string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif" };

export type ImageInspection =
  | { ok: true; width: number; height: number }
  | { ok: false; reason: "incomplete" }
  | { ok: false; reason: "too-big"; width: number; height: number };

/** Checks the whole file against its (already sniffed) format and reads its dimensions. */
export function inspectImage(bytes: Uint8Array, mime: ImageType["mime"]): ImageInspection {
  if (!WHOLE[mime](bytes)) return { ok: false, reason: "incomplete" };
  let size: { width?: number; height?: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch {
    return { ok: false, reason: "incomplete" };
  }
  const { width, height } = size;
  if (size.type !== SIZE_TYPE[mime] || !width || !height) return { ok: false, reason: "incomplete" };
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS)
    return { ok: false, reason: "too-big", width, height };
  return { ok: true, width, height };
}
