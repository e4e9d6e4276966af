import type { AppLoadContext, EntryContext } from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { renderToReadableStream } from "react-dom/server";
import { deferHydration, shouldDeferHydration } from "~/lib/hydration";
import { firstScreenPreloads } from "~/lib/preload-hints";

/**
 * Renders the whole document before responding. Pages use no deferred data, so waiting for
 * `allReady` costs nothing and keeps status codes and cacheable bodies exact.
 */
export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  _loadContext: AppLoadContext,
) {
  let status = responseStatusCode;
  const body = await renderToReadableStream(<RemixServer context={remixContext} url={request.url} />, {
    signal: request.signal,
    onError(error: unknown) {
      if (!request.signal.aborted) console.error(error);
      status = 500;
    },
  });
  await body.allReady;
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  // The document is complete (allReady): send it as one buffer rather than React's hundreds of
  // small stream chunks, each of which the runtime would otherwise copy through separately.
  let html = await new Response(body).text();
  const ctx = remixContext.staticHandlerContext;
  const leaf = ctx.matches[ctx.matches.length - 1];
  // Anonymous renders of public reading pages hydrate on the visitor's first interaction (D0106).
  if (status === 200 && shouldDeferHydration(ctx.loaderData.root, leaf && remixContext.routeModules[leaf.route.id]?.handle))
    html = deferHydration(html);
  // What the first screen needs, as Link preload hints the cached copy carries too (D0108).
  for (const link of firstScreenPreloads(html)) responseHeaders.append("Link", link);
  return new Response(html, { headers: responseHeaders, status });
}
