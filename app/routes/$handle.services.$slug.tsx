import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { Avatar } from "~/components/avatar";
import { DiscountCodeField } from "~/components/money/discount-code-field";
import { Button, FormError } from "~/components/ui/form";
import { invariantResponse } from "~/lib/errors";
import { clientIp, handleForm, orRespond } from "~/lib/http.server";
import { guestCookie, guestTokenFrom, newGuestToken } from "~/modules/payments/guest.server";
import { bookServiceAsGuest } from "~/modules/services/guest-booking.server";
import { formatMoney } from "~/lib/money";
import { passThroughHeaders } from "~/lib/route-headers";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { bookService, getServicePage, rescheduleBooking } from "~/modules/services/booking.server";
import { UploadedImage } from "~/components/uploaded-image";
import { policySentence } from "~/modules/services/policy";

export const headers = passThroughHeaders;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const raw = params.handle ?? "";
    invariantResponse(raw.startsWith("@"), "We couldn't find the page you were looking for.");
    const url = new URL(request.url);
    const page = await getServicePage(context.cloudflare.env, raw.slice(1), params.slug ?? "", context.viewer, {
      tz: url.searchParams.get("tz"),
      minutes: url.searchParams.get("minutes"),
      reschedule: url.searchParams.get("reschedule"),
    });
    invariantResponse(page, "That service doesn't exist (or isn't published yet).");
    return { ...page, signedIn: !!context.viewer, tzChosen: url.searchParams.has("tz") };
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = formToObject(await request.formData());
  if (!context.viewer && form.intent !== "reschedule") {
    // A guest (D131): name + email; paid → Checkout with that email, free → an emailed confirmation link.
    return handleForm(async () => {
      const token = guestTokenFrom(request) ?? newGuestToken();
      const url = new URL(request.url);
      const r = await bookServiceAsGuest(
        context.cloudflare.env,
        (params.handle ?? "").replace(/^@/, ""),
        params.slug ?? "",
        form,
        url.origin,
        { ip: clientIp(request), token, cookie: request.headers.get("Cookie") },
      );
      if (r.url === null) return { ok: true as const, guestRequested: r.message };
      throw redirect(r.url, { status: 303, headers: { "Set-Cookie": guestCookie(token, url.protocol === "https:") } });
    });
  }
  const viewer = requireViewer(request, context.viewer);
  return handleForm(async () => {
    if (form.intent === "reschedule") {
      await rescheduleBooking(context.cloudflare.env, viewer, String(form.bookingId ?? ""), String(form.start ?? ""));
      throw redirect(`/library/bookings?moved=1`, 303);
    }
    const { url } = await bookService(
      context.cloudflare.env,
      viewer,
      (params.handle ?? "").replace(/^@/, ""),
      params.slug ?? "",
      form,
      new URL(request.url).origin,
      { cookie: request.headers.get("Cookie"), ip: clientIp(request) },
    );
    throw redirect(url, 303);
  });
}

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [
        { title: `${data.service.title} with ${data.creator.displayName} — All Thrive` },
        { name: "description", content: data.service.excerpt },
      ]
    : [{ title: "Not found — All Thrive" }];

const inputClass =
  "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none";

export default function ServicePage() {
  const d = useLoaderData<typeof loader>();
  const { service, creator } = d;
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const guestRequested = result && "guestRequested" in result ? result.guestRequested : null;
  const busy = useNavigation().state !== "idle";
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  // Show times in this browser's zone: the server can't know it, so the first visit asks for ?tz=.
  useEffect(() => {
    if (d.tzChosen) return;
    const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (mine && mine !== d.zone) {
      const next = new URLSearchParams(location.search);
      next.set("tz", mine);
      navigate(`${location.pathname}?${next}`, { replace: true, preventScrollReset: true });
    }
  }, [d.tzChosen, d.zone, location.pathname, location.search, navigate]);

  const calendarKind = service.pricing !== "fixed_package" && !service.linkMode;
  const needsPack = service.pricing === "pack" && d.packs.length === 0 && !d.moving;
  const chosen = d.lengths.find((l) => l.minutes === d.minutes);
  const slotCount = d.days.reduce((n, day) => n + day.slots.length, 0);
  const submitLabel = d.moving
    ? "Move my booking"
    : service.linkMode
      ? `Pay ${service.price}, then pick a time`
      : service.pricing === "fixed_package"
        ? `Buy for ${service.price}`
        : service.pricing === "pack"
          ? "Book with my pack"
          : chosen && chosen.price > 0
            ? `Continue to payment (${formatMoney(chosen.price, service.currency)})`
            : "Book for free";

  return (
    <article className="mx-auto grid max-w-5xl gap-8 lg:grid-cols-[1fr_380px]">
      <div className="min-w-0 space-y-6">
        <Link to={`/@${creator.handle}`} className="inline-flex items-center gap-2 text-sm text-slate-600 hover:text-slate-900">
          <Avatar url={creator.avatarUrl} name={creator.displayName} size={28} /> {creator.displayName}
        </Link>
        {service.coverUrl ? (
          <UploadedImage
            src={service.coverUrl}
            alt=""
            sizes="(min-width: 1152px) 1120px, 100vw"
            priority
            className="aspect-[16/9] w-full rounded-2xl object-cover ring-1 ring-slate-200"
          />
        ) : null}
        <header>
          <p className="text-sm font-medium text-brand-700">{service.pricingLabel}</p>
          <h1 className="mt-1 text-3xl font-bold tracking-tight text-slate-900">{service.title}</h1>
          <p className="mt-2 text-slate-600">
            {service.price} · {service.duration} · {d.location}
          </p>
        </header>
        <div className="prose prose-slate max-w-none" dangerouslySetInnerHTML={{ __html: service.descriptionHtml }} />
      </div>

      <aside className="space-y-4">
        <div className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          {params.get("checkout") === "canceled" ? (
            <p role="status" className="mb-3 rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-700">
              Checkout canceled — your time was released. Pick a time to try again.
            </p>
          ) : null}
          {d.isOwner ? (
            <p className="mb-3 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
              This is your service{service.status !== "published" ? " (draft)" : ""}.{" "}
              <Link className="underline" to={`/dashboard/services/${service.id}`}>
                Edit it
              </Link>
            </p>
          ) : null}

          {calendarKind ? (
            <div className="space-y-3">
              <Form method="get" className="flex items-end gap-2" aria-label="Time zone">
                <div className="flex-1">
                  <label htmlFor="tz" className="block text-sm font-medium text-slate-800">
                    Times shown in
                  </label>
                  <input key={d.zone} id="tz" name="tz" defaultValue={d.zone} list="tz-list" className={inputClass} />
                  <datalist id="tz-list">
                    {[
                      d.creatorZone,
                      "America/New_York",
                      "America/Los_Angeles",
                      "Europe/London",
                      "Europe/Berlin",
                      "Asia/Kolkata",
                      "Asia/Tokyo",
                      "Australia/Sydney",
                      "UTC",
                    ]
                      .filter((z): z is string => !!z)
                      .map((z) => (
                        <option key={z} value={z} />
                      ))}
                  </datalist>
                </div>
                {d.lengths.length > 1 ? <input type="hidden" name="minutes" value={d.minutes} /> : null}
                {d.moving ? <input type="hidden" name="reschedule" value={d.moving.id} /> : null}
                <Button type="submit" variant="secondary">
                  Change
                </Button>
              </Form>
              {d.lengths.length > 1 ? (
                <Form method="get" className="flex items-end gap-2" aria-label="Length">
                  <input type="hidden" name="tz" value={d.zone} />
                  <div className="flex-1">
                    <label htmlFor="minutes" className="block text-sm font-medium text-slate-800">
                      How long
                    </label>
                    <select id="minutes" name="minutes" defaultValue={d.minutes} className={inputClass}>
                      {d.lengths.map((l) => (
                        <option key={l.minutes} value={l.minutes}>
                          {l.label} — {formatMoney(l.price, service.currency)}
                        </option>
                      ))}
                    </select>
                  </div>
                  <Button type="submit" variant="secondary">
                    Show times
                  </Button>
                </Form>
              ) : null}
            </div>
          ) : null}

          {needsPack ? (
            <Form method="post" className="mt-4 space-y-3">
              <input type="hidden" name="intent" value="buy-pack" />
              <input type="hidden" name="tz" value={d.zone} />
              <p className="text-sm text-slate-700">Buy the pack, then book your sessions here one at a time.</p>
              {d.signedIn ? <DiscountCodeField per="booking" error={errors.code} /> : null}
              <FormError message={result && "formError" in result && !errors.code ? result.formError : null} />
              {d.signedIn ? null : <GuestFields errors={errors} />}
              <Button type="submit" disabled={busy || !service.sellable} className="w-full">
                {service.sellable ? `Buy pack — ${service.price}` : "Coming soon"}
              </Button>
            </Form>
          ) : (
            <Form method="post" className="mt-4 space-y-4">
              <input type="hidden" name="tz" value={d.zone} />
              <input type="hidden" name="minutes" value={d.minutes} />
              {d.moving ? (
                <>
                  <input type="hidden" name="intent" value="reschedule" />
                  <input type="hidden" name="bookingId" value={d.moving.id} />
                  <p role="status" className="rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900">
                    Moving your booking of {d.moving.current}. Choose a new time — the old one is freed only once the new one is yours.
                  </p>
                </>
              ) : null}
              {d.packs[0] && !d.moving ? <input type="hidden" name="packId" value={d.packs[0].id} /> : null}
              {d.packs[0] ? (
                <p className="text-sm text-emerald-800">
                  You have {d.packs[0].left} session{d.packs[0].left === 1 ? "" : "s"} left in your pack.
                </p>
              ) : null}
              {calendarKind ? (
                <fieldset aria-describedby="slots-hint">
                  <legend className="text-sm font-semibold text-slate-900">Choose a time</legend>
                  <p id="slots-hint" className="text-xs text-slate-500">
                    Next 14 days · {slotCount} open time{slotCount === 1 ? "" : "s"}
                  </p>
                  {errors.start ? (
                    <p role="alert" className="mt-1 text-sm text-red-700">
                      {errors.start}
                    </p>
                  ) : null}
                  {d.days.length ? (
                    <div className="mt-2 max-h-[28rem] space-y-3 overflow-y-auto pr-1">
                      {d.days.map((day) => (
                        <div key={day.key} role="group" aria-label={day.label}>
                          <p className="text-sm font-medium text-slate-700">{day.label}</p>
                          {/* The slot styles sit on the list once (not on each of ~150 slots): a much smaller page. */}
                          <div className="mt-1 flex flex-wrap gap-2 [&_input:checked+span]:border-brand-600 [&_input:checked+span]:bg-brand-600 [&_input:checked+span]:text-white [&_input:focus-visible+span]:ring-2 [&_input:focus-visible+span]:ring-brand-400 [&_label]:cursor-pointer [&_span]:inline-block [&_span]:rounded-lg [&_span]:border [&_span]:border-slate-300 [&_span]:px-3 [&_span]:py-1.5 [&_span]:text-sm [&_span]:tabular-nums">
                            {day.slots.map((s) => (
                              <label key={s.iso}>
                                <input type="radio" name="start" value={s.iso} className="sr-only" required />
                                <span>
                                  <time dateTime={s.iso}>{s.label}</time>
                                </span>
                              </label>
                            ))}
                          </div>
                        </div>
                      ))}
                    </div>
                  ) : (
                    <p className="mt-2 rounded-lg bg-slate-50 px-3 py-4 text-center text-sm text-slate-600">
                      {d.hasAvailability ? "No open times in the next 14 days. Check back soon." : "Not taking bookings yet."}
                    </p>
                  )}
                </fieldset>
              ) : null}
              {service.linkMode ? (
                <p className="rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-700">
                  After paying you pick your time on {d.creator.displayName}&apos;s own scheduling page (your name and email filled in).
                </p>
              ) : null}
              {(d.moving ? [] : service.intake).map((q) => (
                <div key={q.id}>
                  <label htmlFor={`answer_${q.id}`} className="block text-sm font-medium text-slate-800">
                    {q.label}
                    {q.required ? <span className="text-red-700"> *</span> : null}
                  </label>
                  {q.kind === "long" ? (
                    <textarea id={`answer_${q.id}`} name={`answer_${q.id}`} rows={3} required={q.required} className={inputClass} />
                  ) : q.kind === "choice" ? (
                    <select id={`answer_${q.id}`} name={`answer_${q.id}`} required={q.required} className={inputClass} defaultValue="">
                      <option value="">Choose…</option>
                      {q.choices.map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input id={`answer_${q.id}`} name={`answer_${q.id}`} required={q.required} className={inputClass} />
                  )}
                  {errors[`answer_${q.id}`] ? (
                    <p role="alert" className="mt-1 text-sm text-red-700">
                      {errors[`answer_${q.id}`]}
                    </p>
                  ) : null}
                </div>
              ))}
              {calendarKind && !d.moving ? (
                <p className="rounded-lg bg-slate-50 px-3 py-2 text-xs text-slate-600" data-testid="change-policy">
                  <span className="font-medium text-slate-800">Cancellation policy: </span>
                  {policySentence(d.changeWindowHours)}
                </p>
              ) : null}
              {d.signedIn && !d.moving && service.pricing !== "pack" && (!chosen || chosen.price > 0 || !calendarKind) ? (
                <DiscountCodeField per="booking" error={errors.code} />
              ) : null}
              <FormError message={result && "formError" in result && !errors.start && !errors.code ? result.formError : null} />
              {d.signedIn || d.moving || service.pricing === "pack" ? null : <GuestFields errors={errors} />}
              {guestRequested ? (
                <p role="status" data-testid="guest-booking-sent" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
                  {guestRequested}
                </p>
              ) : null}
              {d.signedIn || service.pricing !== "pack" ? (
                <Button type="submit" disabled={busy || !service.sellable || (calendarKind && !d.days.length)} className="w-full">
                  {service.sellable ? submitLabel : "Coming soon"}
                </Button>
              ) : (
                <SignInToBook />
              )}
            </Form>
          )}
        </div>
      </aside>
    </article>
  );
}

/** A guest books with a name and an email (D131): no account needed. */
function GuestFields({ errors }: { errors: Record<string, string> }) {
  const location = useLocation();
  return (
    <fieldset className="space-y-3 rounded-lg border border-slate-200 p-3" aria-describedby="guest-hint">
      <legend className="px-1 text-sm font-semibold text-slate-900">Your details</legend>
      <div>
        <label htmlFor="guest-name" className="block text-sm font-medium text-slate-800">
          Name
        </label>
        <input
          id="guest-name"
          name="name"
          autoComplete="name"
          required
          maxLength={100}
          className={inputClass}
          aria-invalid={errors.name ? true : undefined}
        />
        {errors.name ? (
          <p role="alert" className="mt-1 text-sm text-red-700">
            {errors.name}
          </p>
        ) : null}
      </div>
      <div>
        <label htmlFor="guest-email" className="block text-sm font-medium text-slate-800">
          Email
        </label>
        <input
          id="guest-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          className={inputClass}
          aria-invalid={errors.email ? true : undefined}
        />
        {errors.email ? (
          <p role="alert" className="mt-1 text-sm text-red-700">
            {errors.email}
          </p>
        ) : null}
      </div>
      <p id="guest-hint" className="text-xs text-slate-500">
        No account needed: your confirmation, calendar file and a link to manage the booking go to this address.{" "}
        <Link className="underline" to={`/login?redirectTo=${encodeURIComponent(location.pathname + location.search)}`}>
          Sign in
        </Link>{" "}
        instead.
      </p>
    </fieldset>
  );
}

function SignInToBook() {
  const location = useLocation();
  return (
    <Link
      to={`/login?redirectTo=${encodeURIComponent(location.pathname + location.search)}`}
      className="block rounded-lg bg-brand-600 px-4 py-2 text-center text-sm font-semibold text-white hover:bg-brand-700"
    >
      Sign in to book
    </Link>
  );
}
