/**
 * `Link: …; rel=preload` hints for what a page's first screen needs (decision 0108): its
 * stylesheets and its priority image (the one marked `fetchpriority="high"`, with the WebP
 * `srcset`/`sizes` of its `<picture>` when it has one). They are read from the rendered HTML, so they
 * can't disagree with it, and travel with the cached copy. Browsers start those downloads as soon as
 * the headers arrive; Cloudflare also sends them ahead as 103 Early Hints.
 */
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag);
  return m ? m[1].replace(/&amp;/g, "&") : null;
};
const safe = (v: string) => !/[<>"\s;,]/.test(v.replace(/, /g, "").replace(/ \d+w/g, ""));

export function firstScreenPreloads(html: string): string[] {
  const out: string[] = [];
  const end = html.indexOf("</head>");
  const head = end < 0 ? html : html.slice(0, end);
  for (const m of head.matchAll(/<link\s[^>]*rel="stylesheet"[^>]*>/g)) {
    const href = attr(m[0], "href");
    if (href && href.startsWith("/") && safe(href)) out.push(`<${href}>; rel=preload; as=style`);
  }
  const img = /<img\s[^>]*fetchpriority="high"[^>]*>/.exec(html);
  if (img) {
    const src = attr(img[0], "src");
    // The <source> just before it, inside the same <picture>.
    const before = html.slice(Math.max(0, img.index - 2000), img.index);
    const source = /<picture[^>]*><source\s[^>]*>$/.exec(before)?.[0];
    const srcset = source ? attr(source, "srcset") : null;
    const sizes = source ? attr(source, "sizes") : null;
    if (src && src.startsWith("/") && safe(src)) {
      if (srcset && sizes && safe(srcset))
        out.push(`<${src}>; rel=preload; as=image; type="image/webp"; imagesrcset="${srcset}"; imagesizes="${sizes}"`);
      else out.push(`<${src}>; rel=preload; as=image`);
    }
  }
  return out;
}
