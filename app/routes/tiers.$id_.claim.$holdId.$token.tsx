import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { isAppError } from "~/lib/errors";
import { orRespond } from "~/lib/http.server";
import { claimSeatOffer, guestCookie, guestTokenFrom, newGuestToken, seatOfferPage } from "~/modules/payments/guest.server";

/** The link in a waitlist seat offer's email (D132): take the held seat without signing in. */
export const headers = () => ({ "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer" });

export const meta: MetaFunction = () => [{ title: "Your seat — All Thrive" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(() => seatOfferPage(context.cloudflare.env, params.id, params.holdId, params.token));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = Object.fromEntries(await request.formData());
  const url = new URL(request.url);
  const token = guestTokenFrom(request) ?? newGuestToken();
  try {
    const r = await claimSeatOffer(context.cloudflare.env, params.id, params.holdId, params.token, form, {
      origin: url.origin,
      guestToken: token,
    });
    if ("url" in r) return redirect(r.url, { status: 303, headers: { "Set-Cookie": guestCookie(token, url.protocol === "https:") } });
    return {
      ok: true as const,
      message: `You're a member of ${r.tierName}. Sign in with this email (or use \u201cForgot password\u201d to set one) to open your library.`,
    };
  } catch (e) {
    if (isAppError(e)) return data({ ok: false as const, formError: e.message }, { status: e.status });
    throw e;
  }
}

export default function ClaimSeat() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  if (result?.ok)
    return (
      <AuthCard title="You're in">
        <FormSuccess message={result.message} />
        <p className="mt-4 text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to={`/@${d.creator.handle}`}>
            Visit {d.creator.displayName}
          </Link>
        </p>
      </AuthCard>
    );
  if (!d.open)
    return (
      <AuthCard title="This offer has ended">
        <FormError message="This seat offer has ended: it was taken or its hold ran out. Join the waitlist again on the tier's page." />
        <p className="mt-4 text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to={`/tiers/${d.tier.id}`}>
            Go to {d.tier.name}
          </Link>
        </p>
      </AuthCard>
    );
  const until = d.expiresAt ? new Date(d.expiresAt * 1000).toUTCString().replace(" GMT", " UTC") : "";
  return (
    <AuthCard title={`A seat in ${d.tier.name} is yours`} subtitle={`By ${d.creator.displayName}. Held for you until ${until}.`}>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      <Form method="post" className="space-y-4">
        {d.tier.annual ? (
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Billing</legend>
            <div className="mt-2 flex gap-4 text-sm">
              <label className="flex items-center gap-2">
                <input type="radio" name="interval" value="month" defaultChecked /> Monthly
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="interval" value="year" /> Annual
              </label>
            </div>
          </fieldset>
        ) : null}
        <Button type="submit" className="w-full" disabled={busy}>
          {d.tier.paid ? "Take my seat — continue to payment" : "Take my seat"}
        </Button>
      </Form>
    </AuthCard>
  );
}
