import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { DiscountCodeField } from "~/components/money/discount-code-field";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { invariantResponse, isAppError } from "~/lib/errors";
import { clientIp, orRespond } from "~/lib/http.server";
import { passThroughHeaders } from "~/lib/route-headers";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { joinWaitlist, leaveWaitlist, startTierCheckout, TierFullError } from "~/modules/payments/checkout.server";
import { guestCookie, guestTokenFrom, newGuestToken, requestGuestTierJoin, startGuestTierCheckout } from "~/modules/payments/guest.server";
import { SwitchFullError, switchTier } from "~/modules/payments/switch.server";
import { tierPage } from "~/pages/tier.server";
import { programInvite } from "~/modules/affiliates/service.server";
import { ProgramInvite } from "~/components/affiliates/program-invite";

export const headers = passThroughHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const env = context.cloudflare.env;
    const [page, affiliateInvite] = await Promise.all([
      tierPage(env, params.id ?? "", context.viewer),
      programInvite(env, { kind: "tier", tierId: params.id ?? "" }),
    ]);
    invariantResponse(page, "That tier doesn't exist.");
    return { ...page, affiliateInvite, signedIn: !!context.viewer };
  });
}

type ActionResult =
  | { ok: false; formError: string; fieldErrors: Record<string, string>; waitlist?: boolean }
  | { ok: true; message: string; waitlist?: boolean; switched?: "upgrade" | "downgrade"; emailSent?: boolean };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  const tierId = params.id ?? "";
  if (!context.viewer) {
    // Guest join of a paid tier (D77): no account needed; this browser's token opens the thank-you page.
    const form = formToObject(await request.clone().formData());
    if (form.intent === "join-by-email") {
      // A free tier, or the waitlist of a full one, by email (D125): only a confirmation link is sent.
      try {
        const r = await requestGuestTierJoin(env, tierId, { email: form.email }, { ip: clientIp(request) });
        return data<ActionResult>({ ok: true, message: r.message, emailSent: true });
      } catch (e) {
        if (isAppError(e)) return data<ActionResult>({ ok: false, formError: e.message, fieldErrors: e.fieldErrors }, { status: e.status });
        throw e;
      }
    }
    if (form.intent === "subscribe") {
      try {
        const token = guestTokenFrom(request) ?? newGuestToken();
        const url = new URL(request.url);
        const { url: next } = await startGuestTierCheckout(env, tierId, form, url.origin, {
          token,
          cookie: request.headers.get("Cookie"),
        });
        return redirect(next, { status: 303, headers: { "Set-Cookie": guestCookie(token, url.protocol === "https:") } });
      } catch (e) {
        if (e instanceof TierFullError)
          return data<ActionResult>({ ok: false, formError: e.message, fieldErrors: {}, waitlist: true }, { status: 409 });
        if (isAppError(e)) return data<ActionResult>({ ok: false, formError: e.message, fieldErrors: e.fieldErrors }, { status: e.status });
        throw e;
      }
    }
  }
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  try {
    if (form.intent === "waitlist") {
      const r = await joinWaitlist(env, viewer, tierId);
      return data<ActionResult>({
        ok: true,
        message: r.offered
          ? "Good news — a seat is free and held for you. Subscribe now to take it."
          : `You're on the waitlist (number ${r.position}). We'll hold the next free seat for you and let you know in your library.`,
        waitlist: true,
      });
    }
    if (form.intent === "leave-waitlist") {
      await leaveWaitlist(env, viewer, tierId);
      return data<ActionResult>({ ok: true, message: "You've left the waitlist." });
    }
    if (form.intent === "switch") {
      const r = await switchTier(env, viewer, tierId, {
        interval: String(form.interval ?? ""),
        prorationDate: String(form.prorationDate ?? ""),
      });
      return data<ActionResult>({ ok: true, message: r.message, switched: r.kind });
    }
    const { url, alreadyMember } = await startTierCheckout(env, viewer, tierId, form, new URL(request.url).origin, {
      cookie: request.headers.get("Cookie"),
    });
    return redirect(url, alreadyMember ? 303 : 302);
  } catch (e) {
    if (e instanceof TierFullError || e instanceof SwitchFullError)
      return data<ActionResult>({ ok: false, formError: e.message, fieldErrors: {}, waitlist: true }, { status: 409 });
    if (isAppError(e)) return data<ActionResult>({ ok: false, formError: e.message, fieldErrors: e.fieldErrors }, { status: e.status });
    throw e;
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.tier.name} — ${data.creator?.displayName} — All Thrive` : "Not found — All Thrive" },
];

export default function TierPage() {
  const { tier, creator, membership, waitlistPosition, offerExpiresAt, isOwner, switchOffer, signedIn, affiliateInvite } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const busy = useNavigation().state !== "idle";
  const [params] = useSearchParams();
  const errors = result && !result.ok ? result.fieldErrors : {};
  const showWaitlist = (tier.full && !offerExpiresAt) || (result && !result.ok && result.waitlist);
  return (
    <div className="mx-auto max-w-xl space-y-6">
      {creator ? (
        <Link to={`/@${creator.handle}`} className="inline-block text-sm text-brand-700 hover:underline">
          ← {creator.displayName}
        </Link>
      ) : null}
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
        <p className="text-sm font-medium text-brand-700">Membership</p>
        <h1 className="mt-1 text-2xl font-bold tracking-tight">{tier.name}</h1>
        <p className="mt-1 text-lg font-semibold tabular-nums">{tier.priceLabel}</p>
        {tier.maxSubscribers !== null ? (
          <p className="mt-1 text-sm text-slate-600" data-testid="seats">
            {tier.full ? "Full" : tier.seatsLeftLabel}
          </p>
        ) : null}
        {tier.description ? <p className="mt-4 text-slate-700">{tier.description}</p> : null}
        {tier.benefits.length ? (
          <ul className="mt-4 space-y-1.5 text-slate-700">
            {tier.benefits.map((b, i) => (
              <li key={i} className="flex gap-2">
                <svg aria-hidden="true" viewBox="0 0 20 20" className="mt-1 h-4 w-4 shrink-0 fill-emerald-600">
                  <path d="M7.7 14.3 3.4 10l1.4-1.4 2.9 2.9 7.5-7.5 1.4 1.4z" />
                </svg>
                {b}
              </li>
            ))}
          </ul>
        ) : null}
        <div className="mt-6 space-y-3">
          {params.get("member") === "already" && membership ? (
            <FormSuccess message="You're already a member of this tier — nothing was charged again." />
          ) : null}
          {params.get("checkout") === "canceled" ? (
            <p className="text-sm text-slate-600">
              Checkout canceled — you weren't charged. Your seat is released when the checkout expires.
            </p>
          ) : null}
          {/* The page itself already says where the person stands on the waitlist or which seat is held. */}
          {result && result.ok && !(result.waitlist && (waitlistPosition || offerExpiresAt)) ? (
            <FormSuccess message={result.message} />
          ) : null}
          {result && !result.ok && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
          {offerExpiresAt ? (
            <FormSuccess message={`A seat is held for you until ${new Date(offerExpiresAt * 1000).toUTCString()}.`} />
          ) : null}
          {isOwner ? (
            <p className="text-sm text-slate-600">
              This is your tier.{" "}
              <Link className="text-brand-700 underline" to={`/dashboard/tiers/${tier.id}`}>
                Edit it
              </Link>
              .
            </p>
          ) : membership?.paused ? (
            <Link
              to="/library"
              className="flex justify-center rounded-lg bg-amber-50 px-4 py-2.5 text-sm font-semibold text-amber-800 ring-1 ring-amber-200"
            >
              Your membership is paused — payment disputed. See your library
            </Link>
          ) : membership && !switchOffer ? (
            <Link to="/library" className="flex justify-center rounded-lg bg-emerald-600 px-4 py-2.5 text-sm font-semibold text-white">
              You're a member — manage in your library
            </Link>
          ) : switchOffer && !(result && result.ok && result.switched) && !showWaitlist ? (
            <SwitchPanel offer={switchOffer} tierName={tier.name} isMember={!!membership} busy={busy} highlight={params.get("switch")} />
          ) : result && result.ok && result.switched ? (
            <Link to="/library" className="flex justify-center rounded-lg bg-emerald-600 px-4 py-2.5 text-sm font-semibold text-white">
              See your membership in your library
            </Link>
          ) : !tier.sellable ? (
            <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm font-medium text-amber-800 ring-1 ring-amber-200">
              Coming soon — the creator is finishing payout setup.
            </p>
          ) : result && result.ok && result.emailSent ? (
            <p className="text-sm text-slate-600">
              Didn't get it? Check your spam folder, or{" "}
              <Link className="text-brand-700 underline" to={`/tiers/${tier.id}`}>
                try again
              </Link>
              .
            </p>
          ) : !signedIn && (showWaitlist || tier.pricing === "free") ? (
            <GuestEmailForm tierId={tier.id} waitlist={!!showWaitlist} busy={busy} error={errors.email} />
          ) : showWaitlist ? (
            waitlistPosition ? (
              <div className="space-y-2">
                <p className="text-sm text-slate-700">
                  You're number {waitlistPosition} on the waitlist. We'll hold the next free seat for you.
                </p>
                <Form method="post">
                  <input type="hidden" name="intent" value="leave-waitlist" />
                  <Button type="submit" variant="secondary">
                    Leave the waitlist
                  </Button>
                </Form>
              </div>
            ) : (
              <Form method="post">
                <input type="hidden" name="intent" value="waitlist" />
                <Button type="submit" className="w-full" disabled={busy}>
                  Join the waitlist
                </Button>
              </Form>
            )
          ) : tier.pricing === "free" ? (
            <Form method="post">
              <input type="hidden" name="intent" value="subscribe" />
              <Button type="submit" className="w-full" disabled={busy}>
                Join for free
              </Button>
            </Form>
          ) : tier.pricing === "pwyw" ? (
            <Form method="post" className="space-y-3" noValidate>
              <input type="hidden" name="intent" value="subscribe" />
              <Field
                label={`Your monthly amount (${tier.currency.toUpperCase()})`}
                name="amount"
                inputMode="decimal"
                defaultValue={tier.minimum?.input}
                error={errors.amount}
                hint={`At least ${tier.minimum?.label}.`}
              />
              <DiscountCodeField per="membership" error={errors.code} />
              <Button type="submit" className="w-full" disabled={busy}>
                Subscribe
              </Button>
            </Form>
          ) : (
            <Form method="post" className="grid gap-2" noValidate>
              <input type="hidden" name="intent" value="subscribe" />
              {tier.prices.map((p) => (
                <Button
                  key={p.interval}
                  type="submit"
                  name="interval"
                  value={p.interval}
                  className="w-full"
                  variant={p.interval === "month" ? "primary" : "secondary"}
                  disabled={busy}
                >
                  Subscribe — {p.label}
                </Button>
              ))}
              <DiscountCodeField per="membership" error={errors.code} />
            </Form>
          )}
        </div>
        <p className="mt-6 text-xs text-slate-500">
          {tier.pricing === "free" ? "Leave any time from your library." : "Cancel any time from your library. Secure payments by Stripe."}
        </p>
        <p className="mt-1 text-xs text-slate-500">
          When you join, {creator?.displayName ?? "the creator"} sees your email address, tier, status and the date you joined (members are
          listed in their dashboard and in their audience export).
        </p>
      </div>
      <ProgramInvite invite={affiliateInvite} className="px-2" />
    </div>
  );
}

/** A signed-out visitor joins a free tier, or a full tier's waitlist, with their email: a confirmation link is sent (D125). */
function GuestEmailForm({ tierId, waitlist, busy, error }: { tierId: string; waitlist: boolean; busy: boolean; error?: string }) {
  return (
    <Form method="post" className="space-y-3" noValidate>
      <input type="hidden" name="intent" value="join-by-email" />
      <Field
        label="Your email"
        name="email"
        type="email"
        autoComplete="email"
        required
        error={error}
        hint={
          waitlist
            ? "We'll email you a link to confirm your place. No account needed."
            : "We'll email you a link to confirm. No account needed."
        }
      />
      <Button type="submit" className="w-full" disabled={busy}>
        {waitlist ? "Join the waitlist" : "Join for free"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Have an account?{" "}
        <Link className="font-medium text-brand-700 underline" to={`/login?redirectTo=${encodeURIComponent(`/tiers/${tierId}`)}`}>
          Sign in
        </Link>
      </p>
    </Form>
  );
}

type Offer = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["switchOffer"]>;

const dayLabel = (ts: number | null) => (ts ? new Date(ts * 1000).toUTCString().slice(5, 16) : "the end of your current period");

/** For a member of another paid tier (or interval) of this creator: switch instead of a second checkout (D65). */
function SwitchPanel({
  offer,
  tierName,
  isMember,
  busy,
  highlight,
}: {
  offer: Offer;
  tierName: string;
  isMember: boolean;
  busy: boolean;
  highlight: string | null;
}) {
  return (
    <div className="space-y-3" data-testid="switch-offer">
      <p className="text-sm text-slate-700">
        {isMember ? (
          <>
            You're a member of {tierName} at {offer.fromLabel} —{" "}
            <Link className="text-brand-700 underline" to="/library">
              manage in your library
            </Link>
            .
          </>
        ) : (
          <>
            You're a member of <strong>{offer.fromTierName}</strong> ({offer.fromLabel}). You can hold one paid tier per creator, so
            choosing this one switches your membership — no second subscription.
          </>
        )}
      </p>
      {offer.refused ? (
        <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm font-medium text-amber-800 ring-1 ring-amber-200">{offer.refused}</p>
      ) : (
        offer.options.map((o) => (
          <Form
            method="post"
            key={o.interval}
            className={`rounded-xl p-3 ring-1 ${highlight === o.interval ? "ring-brand-500" : "ring-slate-200"}`}
          >
            <input type="hidden" name="intent" value="switch" />
            <input type="hidden" name="interval" value={o.interval} />
            {o.prorationDate ? <input type="hidden" name="prorationDate" value={o.prorationDate} /> : null}
            <p className="text-sm text-slate-700" data-testid={`switch-${o.interval}`}>
              {o.kind === "upgrade" ? (
                <>
                  Upgrade to {o.priceLabel}, starting now. You'll be charged <strong className="tabular-nums">{o.amountDueLabel}</strong>{" "}
                  today for the rest of this period (the unused part of your current price is credited).
                </>
              ) : (
                <>
                  Switch to {o.priceLabel}. This takes effect on <strong>{dayLabel(o.effectiveAt)}</strong>, when your current period ends;
                  nothing is charged now and you keep your current tier until then.
                </>
              )}
            </p>
            <Button type="submit" className="mt-2 w-full" disabled={busy} variant={o.kind === "upgrade" ? "primary" : "secondary"}>
              {isMember ? `Switch to ${o.interval === "year" ? "annual" : "monthly"}` : "Switch to this tier"}
              {o.kind === "upgrade" && o.amountDueLabel ? ` — pay ${o.amountDueLabel} now` : ""}
            </Button>
          </Form>
        ))
      )}
    </div>
  );
}
