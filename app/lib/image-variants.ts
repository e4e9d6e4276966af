/**
 * Names of resized image variants, shared by the server (which stores them at upload) and the
 * page markup (which lists them in `srcset`), so the two can't drift apart (decision 0107).
 *
 * An uploaded image whose variants were made is stored as `public/<kind>/<owner>/<id>_<w>x<h>.<ext>`
 * (its pixel size in the name); each variant beside it as `…_<w>x<h>.<ext>.w<width>.webp`. The widths are
 * a pure function of the kind and the original width, so a URL alone says which variants exist — no
 * database column, no listing. Images stored before variants existed (no size in the name) and GIFs
 * have no variants: the markup then shows the original alone.
 */
export type VariantKind = "avatar" | "logo" | "screenshot" | "cover";

/** Widths worth having per kind: where each is shown (1× and 2× screens), never wider than the original. */
const WIDTHS: Record<VariantKind, number[]> = {
  avatar: [64, 128, 256],
  logo: [64, 128, 256],
  screenshot: [480, 960, 1440],
  cover: [480, 960, 1440],
};

/** The variant widths for an original `width` pixels wide: the kind's widths below it, plus the original's own width when it is no wider than the largest. */
export function variantWidths(kind: VariantKind, width: number): number[] {
  const ws = WIDTHS[kind].filter((w) => w < width);
  if (width <= WIDTHS[kind][WIDTHS[kind].length - 1]) ws.push(width);
  return ws;
}

const SIZED = /^(\/media\/)?public\/(avatar|logo|screenshot|cover)\/[A-Za-z0-9_-]+\/[A-Za-z0-9]+_(\d{1,5})x(\d{1,5})\.(png|jpg|webp)$/;

/** The stored name of an original with its pixel size. */
export const sizedKey = (base: string, width: number, height: number, ext: string) => `${base}_${width}x${height}.${ext}`;

/** The R2 key (or /media URL) of one variant of a sized original (the original's name stays inside it). */
export const variantKey = (original: string, width: number) => `${original}.w${width}.webp`;

/** The original a variant key was made from and the variant's width, when `key` names a variant a page may ask for. */
export function variantSource(key: string): { original: string; width: number } | null {
  const m =
    /^(public\/(avatar|logo|screenshot|cover)\/[A-Za-z0-9_-]+\/[A-Za-z0-9]+_(\d{1,5})x\d{1,5}\.(?:png|jpg|webp))\.w(\d{1,5})\.webp$/.exec(
      key,
    );
  if (!m) return null;
  const width = Number(m[4]);
  return variantWidths(m[2] as VariantKind, Number(m[3])).includes(width) ? { original: m[1], width } : null;
}

export type ResponsiveImage = {
  src: string;
  width: number;
  height: number;
  /** WebP variants, narrowest first, for a `<source type="image/webp">`. */
  webpSrcSet: string;
};

/** What a page needs to show an uploaded image responsively, or null when it has no variants. */
export function responsiveImage(url: string | null | undefined): ResponsiveImage | null {
  if (!url) return null;
  const m = SIZED.exec(url);
  if (!m) return null;
  const kind = m[2] as VariantKind;
  const width = Number(m[3]);
  const height = Number(m[4]);
  const ws = variantWidths(kind, width);
  if (!ws.length) return null;
  return { src: url, width, height, webpSrcSet: ws.map((w) => `${variantKey(url, w)} ${w}w`).join(", ") };
}

/** True for a key that names a variant (never listed as an upload of its own). */
export const isVariantKey = (key: string) => /\.w\d{1,5}\.webp$/.test(key);
