import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { checkoutStatus } from "~/modules/payments/checkout.server";
import { guestCheckoutStatus, guestTokenFrom } from "~/modules/payments/guest.server";
import { isAppError } from "~/lib/errors";

export const meta: MetaFunction = () => [{ title: "Thank you — All Thrive" }];

/**
 * Stripe's success_url. Nothing is granted here — the order comes only from the verified webhook —
 * so the page says "processing…" until it has, polling every 1.5 s.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const sessionId = new URL(request.url).searchParams.get("session_id") ?? "";
  const env = context.cloudflare.env;
  const token = guestTokenFrom(request);
  return orRespond(async () => {
    // A guest checkout (D71): shown only to the browser holding its token, signed in or not.
    const guest = token ? await guestCheckoutStatusOrNull(env, sessionId, token) : null;
    if (guest) return guest;
    const viewer = requireViewer(request, context.viewer);
    return { ...(await checkoutStatus(env, viewer, sessionId)), guest: false as const, files: [] as GuestFile[] };
  });
}

type GuestFile = { fileName: string; size: number; href: string };

/** The guest view when this browser started that checkout as a guest; null otherwise. */
async function guestCheckoutStatusOrNull(env: Env, sessionId: string, token: string) {
  try {
    return await guestCheckoutStatus(env, sessionId, token);
  } catch (e) {
    if (isAppError(e) && e.status === 404) return null;
    throw e;
  }
}

const size = (n: number) => (n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export default function ThankYou() {
  const s = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (s.state !== "processing") return;
    const t = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 1500);
    const slowTimer = setTimeout(() => setSlow(true), 20_000);
    return () => {
      clearInterval(t);
      clearTimeout(slowTimer);
    };
  }, [s.state, revalidator]);
  return (
    <div className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm" aria-live="polite">
      {s.state === "ready" ? (
        <>
          <svg aria-hidden="true" viewBox="0 0 24 24" className="mx-auto h-12 w-12 fill-emerald-600">
            <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm-1.2 14.2-4-4 1.4-1.4 2.6 2.6 5.6-5.6 1.4 1.4-7 7Z" />
          </svg>
          <h1 className="mt-4 text-2xl font-bold tracking-tight" data-testid="checkout-state">
            Ready
          </h1>
          {s.guest ? (
            <>
              <p className="mt-2 text-slate-600">
                {s.kind === "tier"
                  ? `Thanks for joining ${s.title}! We've emailed the address you gave with your receipt and a link to your library, where you manage the membership.`
                  : s.kind === "service"
                    ? `You're booked: ${s.title}. We've emailed the address you gave the confirmation with the calendar file and a link to manage the booking.`
                    : `Thanks! ${s.title} is yours. We've emailed your receipt with a link to your library, where it always stays.`}
              </p>
              {s.files.length ? (
                <ul className="mt-4 space-y-1 text-left text-sm" data-testid="guest-files">
                  {s.files.map((f) => (
                    <li key={f.href}>
                      <a className="font-medium text-brand-700 hover:underline" href={f.href}>
                        Download {f.fileName}
                      </a>{" "}
                      <span className="text-slate-400">· {size(f.size)}</span>
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          ) : (
            <p className="mt-2 text-slate-600">
              {s.kind === "product"
                ? `${s.title} is in your library.`
                : s.kind === "service"
                  ? `You're booked: ${s.title}. We've emailed you the details.`
                  : `You're a member of ${s.title}.`}
            </p>
          )}
          <Link
            to={s.link}
            className="mt-6 inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700"
          >
            {s.guest
              ? s.kind === "service" && s.link.startsWith("/bookings/")
                ? "Manage your booking"
                : "Sign in to your library"
              : s.kind === "product"
                ? "Open your library"
                : s.kind === "service"
                  ? "See your bookings"
                  : "See your memberships"}
          </Link>
        </>
      ) : s.state === "refunded" ? (
        <>
          <h1 className="text-2xl font-bold tracking-tight" data-testid="checkout-state">
            Refunded — that time was taken
          </h1>
          <p className="mt-2 text-slate-600">
            Your payment for {s.title} arrived after the time we held for you had run out, and someone else booked it. We refunded you in
            full and emailed you. Please choose another time.
          </p>
          <Link
            to={s.link}
            className="mt-6 inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700"
          >
            See your bookings
          </Link>
        </>
      ) : s.state === "expired" ? (
        <>
          <h1 className="text-2xl font-bold tracking-tight" data-testid="checkout-state">
            Checkout expired
          </h1>
          <p className="mt-2 text-slate-600">This checkout ended without a payment. You weren't charged.</p>
        </>
      ) : (
        <>
          <div className="mx-auto h-10 w-10 animate-spin rounded-full border-4 border-brand-200 border-t-brand-600" aria-hidden="true" />
          <h1 className="mt-4 text-2xl font-bold tracking-tight" data-testid="checkout-state">
            Processing…
          </h1>
          <p className="mt-2 text-slate-600">
            Thanks! We're confirming your payment with Stripe for {s.title}. This page updates by itself.
          </p>
          {slow ? (
            <p className="mt-3 text-sm text-slate-500">
              This is taking longer than usual. Your payment is safe — it will show up in your{" "}
              <Link to="/library" className="underline">
                library
              </Link>{" "}
              as soon as Stripe confirms it.
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}
