export type ImageType = { mime: "image/png" | "image/jpeg" | "image/webp" | "image/gif"; ext: string };

const startsWith = (b: Uint8Array, sig: number[], offset = 0) => sig.every((x, i) => b[offset + i] === x);

/**
 * Recognises PNG, JPEG, WebP and GIF by their magic bytes — never by file name or declared type.
 * SVG (text/XML, may carry script) is deliberately not an image here.
 */
export function sniffImage(bytes: Uint8Array): ImageType | null {
  if (bytes.length >= 8 && startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: "image/png", ext: "png" };
  if (bytes.length >= 3 && startsWith(bytes, [0xff, 0xd8, 0xff])) return { mime: "image/jpeg", ext: "jpg" };
  if (bytes.length >= 12 && startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return { mime: "image/webp", ext: "webp" };
  if (
    bytes.length >= 6 &&
    (startsWith(bytes, [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]) || startsWith(bytes, [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]))
  )
    return { mime: "image/gif", ext: "gif" };
  return null;
}
