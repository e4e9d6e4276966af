import { sniffImage } from "~/lib/sniff";

/**
 * Upload limits and their messages, shared by the server (which enforces them) and the browser
 * (which checks a chosen file before sending it), so the two can't drift apart.
 */
export const MB = 1024 * 1024;

/** Upload limits per kind of public image. */
export const IMAGE_LIMITS = {
  avatar: 2 * MB,
  logo: 2 * MB,
  screenshot: 5 * MB,
  cover: 5 * MB,
} as const;
export type ImageKind = keyof typeof IMAGE_LIMITS;

/** Product files (PDF, ZIP, …) streamed into private storage. */
export const MAX_PRODUCT_FILE_BYTES = 100 * MB;

/** What the image pickers offer; the server checks magic bytes, never the declared type. */
export const IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif";

export const NOT_AN_IMAGE_MESSAGE = "That file isn't a PNG, JPEG, WebP or GIF image. (SVG isn't accepted.)";

const limitText = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;

/** "That image is too large (31.0 MB); images can be at most 5 MB." — without a size when it isn't known. */
export function tooLargeMessage(noun: string, maxBytes: number, size?: number): string {
  const actual = size != null && Number.isFinite(size) ? ` (${(size / MB).toFixed(1)} MB)` : "";
  return `That ${noun} is too large${actual}; ${noun}s can be at most ${limitText(maxBytes)}.`;
}

/**
 * The browser-side check before an upload: the size against the server's limit and, for images,
 * the first bytes against the accepted image types. Returns the message to show, or null.
 */
export async function checkUploadFile(file: File, opts: { maxBytes: number; noun: string; image: boolean }): Promise<string | null> {
  if (file.size > opts.maxBytes) return tooLargeMessage(opts.noun, opts.maxBytes, file.size);
  if (opts.image) {
    if (file.size === 0) return NOT_AN_IMAGE_MESSAGE;
    const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
    if (!sniffImage(head)) return NOT_AN_IMAGE_MESSAGE;
  }
  return null;
}
