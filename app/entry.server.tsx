import type { AppLoadContext, EntryContext } from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { renderToReadableStream } from "react-dom/server";

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
  const html = await new Response(body).arrayBuffer();
  return new Response(html, { headers: responseHeaders, status });
}
