import type { CSSProperties } from "react";
import { responsiveImage } from "~/lib/image-variants";

/**
 * An uploaded image, served at a size that fits where it is shown (decision 0107): a WebP
 * `<source>` listing the resized variants (`srcset` + `sizes`), the original as the fallback
 * `<img>`, and explicit width/height so nothing shifts while it loads. `priority` marks the largest
 * image above the fold (fetched first, never lazily); every other image loads lazily.
 */
export function UploadedImage({
  src,
  alt,
  sizes,
  className,
  style,
  width,
  height,
  priority = false,
}: {
  src: string;
  alt: string;
  /** Where the image is shown, as the `sizes` attribute (e.g. "(min-width: 640px) 50vw, 100vw"). */
  sizes: string;
  className?: string;
  style?: CSSProperties;
  /** The box it is shown in, when fixed (avatars, logos); otherwise the original's size (for its aspect ratio). */
  width?: number;
  height?: number;
  priority?: boolean;
}) {
  const r = responsiveImage(src);
  const img = (
    <img
      src={src}
      alt={alt}
      width={width ?? r?.width}
      height={height ?? r?.height}
      loading={priority ? "eager" : "lazy"}
      decoding={priority ? undefined : "async"}
      // React 18 passes lowercase attributes through as they are.
      {...(priority ? { fetchpriority: "high" } : {})}
      className={className}
      style={style}
    />
  );
  if (!r) return img;
  // `display: contents`: the <picture> adds no box, so the <img> lays out exactly as before.
  return (
    <picture className="contents">
      <source type="image/webp" srcSet={r.webpSrcSet} sizes={sizes} />
      {img}
    </picture>
  );
}
