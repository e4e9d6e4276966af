import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { buildRss } from "~/modules/posts/pages.server";

/** `/@handle/feed.xml` — public RSS; `?token=` for a reader's private feed (full text they can read). */
export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const raw = params.handle ?? "";
  if (!raw.startsWith("@")) return new Response("Not found", { status: 404 });
  const token = new URL(request.url).searchParams.get("token");
  try {
    const { xml, private: isPrivate } = await buildRss(context.cloudflare.env, raw.slice(1), token);
    return new Response(xml, {
      headers: {
        "Content-Type": "application/rss+xml; charset=utf-8",
        // Private feeds are personal: never stored by shared caches.
        "Cache-Control": isPrivate ? "private, no-store" : "public, max-age=300",
      },
    });
  } catch (e) {
    if (isAppError(e)) return new Response(e.message, { status: e.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    throw e;
  }
}
