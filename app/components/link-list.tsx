import { useCallback, type ComponentPropsWithoutRef, type MouseEvent } from "react";
import { useNavigate } from "@remix-run/react";

/**
 * A list of many in-app links (the feed) with ONE click handler for client-side navigation, instead
 * of a router `<Link>` per link: on the server each `<Link>` is three components, a dozen hooks and
 * three resolutions of its path, for an `<a>` in the end (decision D31). Links inside are plain
 * `<a href="/…" data-discover="true">` (the attribute lets Remix discover their routes as `<Link>`
 * would). Clicks follow `<Link>`'s rules: only an unmodified primary click on a same-origin link
 * without `target` or `download` is taken over; everything else (new tab, middle click, external
 * links) is left to the browser, and without JavaScript every link still works.
 */
export function LinkList({ onClick, ...props }: ComponentPropsWithoutRef<"ol">) {
  const navigate = useNavigate();
  const handle = useCallback(
    (e: MouseEvent<HTMLOListElement>) => {
      onClick?.(e);
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.altKey || e.ctrlKey || e.shiftKey) return;
      const a = (e.target as Element | null)?.closest?.("a");
      if (!a || !e.currentTarget.contains(a) || (a.target && a.target !== "_self") || a.hasAttribute("download")) return;
      const url = new URL(a.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      e.preventDefault();
      navigate(url.pathname + url.search + url.hash);
    },
    [navigate, onClick],
  );
  // The handler only runs for clicks on the links inside, which are focusable and keyboard-activated.
  return <ol {...props} onClick={handle} />;
}
