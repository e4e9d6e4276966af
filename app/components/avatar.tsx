import { UploadedImage } from "./uploaded-image";

/** Creator avatar with initials fallback. `priority` for the one that is the page's largest image. */
export function Avatar({
  url,
  name,
  size = 48,
  priority = false,
}: {
  url: string | null;
  name: string;
  size?: number;
  priority?: boolean;
}) {
  const initials = name
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  if (url)
    return (
      <UploadedImage
        src={url}
        alt={`${name}'s avatar`}
        width={size}
        height={size}
        sizes={`${size}px`}
        priority={priority}
        className="shrink-0 rounded-full object-cover ring-2 ring-white"
        style={{ width: size, height: size }}
      />
    );
  return (
    <span
      aria-hidden="true"
      className="inline-flex shrink-0 items-center justify-center rounded-full bg-gradient-to-br from-brand-500 to-fuchsia-500 font-semibold text-white ring-2 ring-white"
      style={{ width: size, height: size, fontSize: size / 2.6 }}
    >
      {initials || "?"}
    </span>
  );
}
