import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";

/** A creator's platform referral link (decision 0111): `/join?ref=CODE` → sign-up carrying the code. */
export function loader({ request, context }: LoaderFunctionArgs) {
  const ref = (new URL(request.url).searchParams.get("ref") ?? "").trim().slice(0, 40);
  if (context.viewer) return redirect("/dashboard");
  return redirect(ref ? `/signup?ref=${encodeURIComponent(ref)}` : "/signup");
}
