/**
 * Private product files: allowlisted types (checked by magic bytes where the type has them, by
 * being clean UTF-8 text where it doesn't), up to 100 MB, streamed into R2 under `private/` with a
 * known length (FixedLengthStream) — never buffered whole, never reachable through /media.
 */
import { newId } from "~/lib/ids";
import { AppError, tooLarge, unprocessable, unsupportedMedia } from "~/lib/errors";
import { sniffImage } from "~/lib/sniff";
import { MAX_PRODUCT_FILE_BYTES, tooLargeMessage } from "~/lib/upload-limits";

export { MAX_PRODUCT_FILE_BYTES } from "~/lib/upload-limits";

type Kind = { mime: string; label: string; check: (head: Uint8Array) => boolean };

const starts = (b: Uint8Array, sig: number[], off = 0) => sig.every((x, i) => b[off + i] === x);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
const isZip = (b: Uint8Array) => starts(b, [0x50, 0x4b, 0x03, 0x04]) || starts(b, [0x50, 0x4b, 0x05, 0x06]);
function isText(b: Uint8Array) {
  if (b.includes(0)) return false;
  try {
    // The head may end mid-character: ignore a truncated final sequence only.
    new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 4)));
    return true;
  } catch {
    return false;
  }
}
const stripBom = (b: Uint8Array) => (starts(b, [0xef, 0xbb, 0xbf]) ? b.subarray(3) : b);

/** Extension → what the bytes must look like. */
const KINDS: Record<string, Kind> = {
  pdf: { mime: "application/pdf", label: "PDF", check: (b) => starts(b, [0x25, 0x50, 0x44, 0x46, 0x2d]) },
  zip: { mime: "application/zip", label: "ZIP", check: isZip },
  epub: { mime: "application/epub+zip", label: "EPUB", check: (b) => isZip(b) && ascii(b, 30, 58) === "mimetypeapplication/epub+zip" },
  md: { mime: "text/markdown; charset=utf-8", label: "Markdown", check: isText },
  markdown: { mime: "text/markdown; charset=utf-8", label: "Markdown", check: isText },
  txt: { mime: "text/plain; charset=utf-8", label: "text", check: isText },
  csv: { mime: "text/csv; charset=utf-8", label: "CSV", check: isText },
  json: {
    mime: "application/json",
    label: "JSON",
    check: (b) => isText(b) && /^\s*[[{]/.test(new TextDecoder().decode(stripBom(b).subarray(0, 64))),
  },
  png: { mime: "image/png", label: "PNG", check: (b) => sniffImage(b)?.mime === "image/png" },
  jpg: { mime: "image/jpeg", label: "JPEG", check: (b) => sniffImage(b)?.mime === "image/jpeg" },
  jpeg: { mime: "image/jpeg", label: "JPEG", check: (b) => sniffImage(b)?.mime === "image/jpeg" },
  webp: { mime: "image/webp", label: "WebP", check: (b) => sniffImage(b)?.mime === "image/webp" },
  gif: { mime: "image/gif", label: "GIF", check: (b) => sniffImage(b)?.mime === "image/gif" },
  mp4: { mime: "video/mp4", label: "MP4", check: (b) => ascii(b, 4, 8) === "ftyp" },
};

export const ALLOWED_EXTENSIONS = Object.keys(KINDS);
export const ALLOWED_DESCRIPTION = "PDF, ZIP, EPUB, Markdown, text, JSON, CSV, PNG/JPEG/WebP/GIF images or MP4 video";

/** A display name people can read; the storage key never uses it. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "file";
  const cleaned = base
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is stripped
    .replace(/[\u0000-\u001f\u007f"<>|:*?]+/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 120);
  return cleaned || "file";
}

export function kindFor(fileName: string): Kind & { ext: string } {
  const ext = (/\.([a-z0-9]+)$/i.exec(fileName)?.[1] ?? "").toLowerCase();
  const kind = KINDS[ext];
  if (!kind) throw unsupportedMedia(`That file type isn't allowed. Upload ${ALLOWED_DESCRIPTION}.`);
  return { ...kind, ext };
}

const HEAD_BYTES = 64;

/**
 * Streams `body` (exactly `length` bytes) into R2 at a fresh private key after checking its first
 * bytes. Oversized or truncated bodies fail without leaving an object behind.
 */
export async function putPrivateFile(
  env: Env,
  productId: string,
  fileName: string,
  body: ReadableStream<Uint8Array> | null,
  length: number,
): Promise<{ key: string; mime: string; size: number }> {
  const kind = kindFor(fileName);
  if (!body || !Number.isFinite(length) || length <= 0) throw unprocessable("Choose a file to upload.");
  if (length > MAX_PRODUCT_FILE_BYTES) throw tooLarge(tooLargeMessage("file", MAX_PRODUCT_FILE_BYTES, length));
  const reader = body.getReader();
  // Read just enough to check the type.
  const chunks: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < HEAD_BYTES) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    have += r.value.byteLength;
  }
  const head = new Uint8Array(have);
  let off = 0;
  for (const c of chunks) {
    head.set(c, off);
    off += c.byteLength;
  }
  if (!kind.check(head.subarray(0, Math.max(HEAD_BYTES, 0)))) {
    await reader.cancel().catch(() => {});
    throw unsupportedMedia(`That file doesn't look like a ${kind.label} file. Check the file and try again.`);
  }
  const key = `private/products/${productId}/${newId(20)}.${kind.ext}`;
  const fixed = new FixedLengthStream(length);
  const put = env.MEDIA.put(key, fixed.readable, {
    httpMetadata: { contentType: kind.mime },
    customMetadata: { product: productId },
  });
  const writer = fixed.writable.getWriter();
  let written = 0;
  try {
    const write = async (c: Uint8Array) => {
      written += c.byteLength;
      if (written > length) throw tooLarge("The upload was longer than its declared size.");
      await writer.write(c);
    };
    await write(head);
    while (!done) {
      const r = await reader.read();
      if (r.done) break;
      await write(r.value);
    }
    if (written !== length) throw unprocessable("The upload was cut short. Please try again.");
    await writer.close();
    await put;
  } catch (e) {
    await writer.abort(e).catch(() => {});
    await reader.cancel().catch(() => {});
    await put.catch(() => {});
    await env.MEDIA.delete(key).catch(() => {});
    if (e instanceof AppError) throw e;
    throw unprocessable("The upload didn't complete. Please try again.");
  }
  return { key, mime: kind.mime, size: length };
}
