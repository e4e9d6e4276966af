import { Marked, type Tokens } from "marked";
import { responsiveImage } from "~/lib/image-variants";
import xss from "xss";

// js-xss is CommonJS: its FilterXSS class hangs off the default export inside workerd.
const { FilterXSS } = xss as unknown as typeof import("xss");
import { highlight } from "./highlight.server";
import { safeRedirect } from "./redirects";

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Only these URL schemes survive in links and images; everything else (javascript:, data:, …) is dropped. */
export function safeUrl(href: string | null | undefined, allowRelative = true): string | null {
  if (!href) return null;
  const trimmed = href.trim();
  if (allowRelative && trimmed.startsWith("/")) {
    // Resolved the way a browser will (tabs/newlines dropped, `\\` read as `/`): it must stay on
    // this site, and the parser's own serialisation is what we emit.
    const path = safeRedirect(trimmed, "");
    return path || null;
  }
  try {
    const u = new URL(trimmed);
    return ["http:", "https:", "mailto:"].includes(u.protocol) ? u.toString() : null;
  } catch {
    return null;
  }
}

/**
 * Markdown → sanitised HTML. Sanitising by construction: raw HTML in the source is escaped
 * (never passed through), and every link/image URL is checked against an allowlist of schemes.
 * External links get rel="nofollow ugc noopener".
 */
const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const inner = this.parser.parseInline(tokens);
      const url = safeUrl(href);
      if (!url) return inner;
      const t = title ? ` title="${escapeHtml(title)}"` : "";
      const ext = url.startsWith("/") ? "" : ' rel="nofollow ugc noopener" target="_blank"';
      return `<a href="${escapeHtml(url)}"${t}${ext}>${inner}</a>`;
    },
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? "").match(/^[\w+-]+/)?.[0] ?? "";
      const cls = language ? ` class="language-${escapeHtml(language)}"` : "";
      return `<pre><code${cls}>${highlight(text, language)}</code></pre>\n`;
    },
    image({ href, title, text }: Tokens.Image) {
      const url = safeUrl(href);
      if (!url || url.startsWith("mailto:")) return escapeHtml(text);
      const t = title ? ` title="${escapeHtml(title)}"` : "";
      const img = (wh: string) => `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}"${t}${wh} loading="lazy" decoding="async">`;
      // An uploaded image: its WebP variants at the post column's width, the original as fallback (D0107).
      const r = responsiveImage(url);
      if (!r) return img("");
      return `<picture><source type="image/webp" srcset="${escapeHtml(r.webpSrcSet)}" sizes="(min-width: 768px) 768px, 100vw">${img(` width="${r.width}" height="${r.height}"`)}</picture>`;
    },
  },
});

/**
 * A small per-isolate memo: the same bio, preview or post renders on every view of a page, and the
 * output depends only on the source text, so a hit is always exact. Bounded in entries and size;
 * when full, the oldest half is dropped (Map keeps insertion order).
 */
function memo<A extends unknown[]>(fn: (source: string, ...rest: A) => string, maxEntries = 500, maxSourceChars = 20_000) {
  const cache = new Map<string, string>();
  return (source: string, ...rest: A): string => {
    source ??= "";
    if (source.length > maxSourceChars) return fn(source, ...rest);
    const key = rest.length ? `${rest.join(",")}\u0000${source}` : source;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const out = fn(source, ...rest);
    if (cache.size >= maxEntries) {
      let drop = cache.size / 2;
      for (const k of cache.keys()) {
        cache.delete(k);
        if (--drop <= 0) break;
      }
    }
    cache.set(key, out);
    return out;
  };
}

/**
 * The second line of defence (D38): whatever the renderer produced goes through js-xss with an
 * allowlist of the tags and attributes Markdown makes, every href/src re-checked by `safeUrl`
 * (relative ones resolved against our origin), classes limited to code highlighting's, and
 * anything else dropped. Escaping in the renderer above stays the first line.
 */
const ALLOWED_TAGS: Record<string, string[]> = {
  a: ["href", "title", "rel", "target"],
  img: ["src", "alt", "title", "loading", "decoding", "width", "height"],
  picture: [],
  source: ["type", "srcset", "sizes"],
  code: ["class"],
  span: ["class"],
  ol: ["start"],
  input: ["type", "checked", "disabled"],
  th: ["align"],
  td: ["align"],
  ...Object.fromEntries(
    [
      "p",
      "br",
      "hr",
      "h1",
      "h2",
      "h3",
      "h4",
      "h5",
      "h6",
      "strong",
      "em",
      "del",
      "pre",
      "blockquote",
      "ul",
      "li",
      "table",
      "thead",
      "tbody",
      "tr",
    ].map((t) => [t, []]),
  ),
};
const sanitizer = new FilterXSS({
  whiteList: ALLOWED_TAGS,
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style"],
  allowCommentTag: false,
  safeAttrValue(tag: string, name: string, value: string) {
    const v = unescapeAttr(value);
    if (name === "href" || name === "src") {
      const url = safeUrl(v);
      return url && !(tag === "img" && url.startsWith("mailto:")) ? escapeHtml(url) : "";
    }
    if (name === "class") return (tag === "code" && /^language-[\w+-]+$/.test(v)) || (tag === "span" && /^tok-[a-z]+$/.test(v)) ? v : "";
    if (name === "rel") return "nofollow ugc noopener";
    // Only the variant lists the renderer makes for our own uploads (each URL a /media/ variant).
    if (name === "srcset")
      return /^\/media\/public\/[\w/.-]+\.w\d+\.webp \d+w(, \/media\/public\/[\w/.-]+\.w\d+\.webp \d+w)*$/.test(v) ? escapeHtml(v) : "";
    if (name === "sizes") return /^[\w\s():,.-]+$/.test(v) ? v : "";
    if (name === "type") return tag === "source" ? (v === "image/webp" ? v : "") : v === "checkbox" ? v : "";
    if (name === "width" || name === "height") return /^\d{1,5}$/.test(v) ? v : "";
    if (name === "decoding") return v === "async" ? v : "";
    if (name === "target") return "_blank";
    if (name === "loading") return "lazy";
    if (name === "start") return /^\d{1,9}$/.test(v) ? v : "";
    if (name === "align") return ["left", "right", "center"].includes(v) ? v : "";
    return escapeHtml(v);
  },
});
const unescapeAttr = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

export const renderMarkdown = memo((source: string): string => sanitizer.process(marked.parse(source) as string));

/** Plain-text excerpt for meta descriptions and cards. */
export const markdownExcerpt = memo((source: string, max: number = 160): string => excerptOf(source, max));

function excerptOf(source: string, max: number): string {
  const text = (source ?? "")
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, " ")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/^\s*(?:[-*_]\s*){3,}$/gm, " ") // horizontal rules
    .replace(/^\s*(?:[-+*]|\d+\.)\s+/gm, " ") // list markers
    .replace(/(^|\s)[#>]+/g, "$1") // headings, quotes
    .replace(/[*_`~]+/g, "") // emphasis (no space, so "**bold**." stays "bold.")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? text.slice(0, max - 1).trimEnd() + "…" : text;
}
