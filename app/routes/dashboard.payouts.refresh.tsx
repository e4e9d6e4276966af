import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { startOnboarding } from "~/modules/payments/connect.server";

/** Stripe's refresh_url (the link expired or was used): make a new link and go straight back. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const { url } = await orRespond(() => startOnboarding(context.cloudflare.env, viewer, new URL(request.url).origin));
  return redirect(url);
}

// A page (never shown: the loader always redirects) so that a failure the loader throws — Stripe
// not answering — renders the error page with its message and status, not a bare JSON error.
export default function PayoutsRedirect() {
  return null;
}
