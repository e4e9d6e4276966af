import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { guestDownload } from "~/modules/payments/guest.server";

/** A guest purchase's file, for the browser that bought it (its `at_guest` token); 404 for anyone else (D71). */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  return guestDownload(context.cloudflare.env, request, params.fileId ?? "");
}
