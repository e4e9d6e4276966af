/**
 * The paywall marker: a line on its own that is exactly `<!-- paywall -->` or `---paywall---`
 * (surrounding spaces allowed, case-insensitive), outside fenced code blocks. Everything before the
 * first marker is the free preview; everything after is for readers with access. A gated post
 * without a marker has no preview: readers without access see the title, the creator's optional
 * excerpt and the call to action.
 */
const MARKER = /^\s*(?:<!--\s*paywall\s*-->|---\s*paywall\s*---)\s*$/i;
const FENCE = /^\s*(```|~~~)/;

export type PaywallSplit = { preview: string; rest: string; hasMarker: boolean };

export function splitPaywall(markdown: string): PaywallSplit {
  const lines = (markdown ?? "").split(/\r?\n/);
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].match(FENCE);
    if (f) fence = fence === null ? f[1] : fence === f[1] ? null : fence;
    else if (fence === null && MARKER.test(lines[i])) {
      return {
        preview: lines.slice(0, i).join("\n").trimEnd(),
        rest: lines
          .slice(i + 1)
          .join("\n")
          .trimStart(),
        hasMarker: true,
      };
    }
  }
  return { preview: "", rest: markdown ?? "", hasMarker: false };
}

/** The whole body without any marker lines (what readers with access get). */
export function withoutMarker(markdown: string): string {
  const s = splitPaywall(markdown);
  return s.hasMarker ? `${s.preview}\n\n${s.rest}` : s.rest;
}
