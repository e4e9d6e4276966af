/**
 * Generates real PNG images (gradient with a soft circle) for demo data and tests, so the seed
 * needs no binary files and every placeholder passes the same magic-byte checks as uploads.
 */
import { crc32 } from "./structure";

/** One PNG chunk (length, type, data, CRC) — exported so tests can build unusual PNGs. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function deflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const hexToRgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** A width×height RGB PNG blending `from` → `to` diagonally, with a lighter disc in the middle. */
export async function placeholderPng(width: number, height: number, from = "#6a3df5", to = "#d946ef"): Promise<Uint8Array<ArrayBuffer>> {
  const a = hexToRgb(from);
  const b = hexToRgb(to);
  const raw = new Uint8Array((width * 3 + 1) * height);
  const cx = width / 2,
    cy = height / 2,
    r = Math.min(width, height) * 0.28;
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      let px = [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * t);
      const d = Math.hypot(x - cx, y - cy);
      if (d < r) px = px.map((v) => v + (255 - v) * 0.35 * (1 - d / r));
      raw.set(
        px.map((v) => Math.round(v)),
        row + 1 + x * 3,
      );
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const sig = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [sig, pngChunk("IHDR", ihdr), pngChunk("IDAT", await deflate(raw)), pngChunk("IEND", new Uint8Array())];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
