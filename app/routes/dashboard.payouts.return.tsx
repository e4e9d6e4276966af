import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { payoutHome, refreshOnboarding } from "~/modules/payments/connect.server";

/** Stripe's return_url: re-read the account and show the dashboard with the outcome. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const state = await orRespond(() => refreshOnboarding(env, viewer));
  return redirect(`${await payoutHome(env, viewer)}?payouts=${state}`);
}

// A page (never shown: the loader always redirects) so that a failure the loader throws — Stripe
// not answering — renders the error page with its message and status, not a bare JSON error.
export default function PayoutsRedirect() {
  return null;
}
