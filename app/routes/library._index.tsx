import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { StatusBadge } from "~/components/money/earnings-chart";
import { EmptyState } from "~/components/empty-state";
import { FormError, FormSuccess } from "~/components/ui/form";
import { formatDate } from "~/lib/dates";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { leaveFreeTier } from "~/modules/payments/checkout.server";
import { billingPortal, dismissNotification, setCancelAtPeriodEnd } from "~/modules/payments/library.server";
import { cancelPendingSwitch } from "~/modules/payments/switch.server";
import { getLibrary } from "~/pages/library.server";

export const meta: MetaFunction = () => [{ title: "Your library — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return getLibrary(context.cloudflare.env, viewer);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  const id = String(form.membershipId ?? "");
  return handleForm(async () => {
    switch (form.intent) {
      case "cancel":
        await setCancelAtPeriodEnd(env, viewer, id, true);
        return { ok: true as const, message: "Canceled. You keep access until the end of the current period." };
      case "resume":
        await setCancelAtPeriodEnd(env, viewer, id, false);
        return { ok: true as const, message: "Resumed. Your membership will renew as usual." };
      case "portal":
        throw redirect((await billingPortal(env, viewer, id, new URL(request.url).origin)).url);
      case "keep-tier":
        await cancelPendingSwitch(env, viewer, id);
        return { ok: true as const, message: "Your tier stays as it is; the switch was withdrawn." };
      case "leave":
        await leaveFreeTier(env, viewer, id);
        return { ok: true as const, message: "You've left the tier." };
      case "dismiss":
        await dismissNotification(env, viewer, String(form.notificationId ?? ""));
        return { ok: true as const, message: "Dismissed." };
      default:
        return { ok: true as const, message: "" };
    }
  });
}

const size = (n: number) => (n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);
const day = (ts: number | null) => formatDate(ts);

const DownloadIcon = () => (
  <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4 fill-current">
    <path d="M9 3h2v7.6l2.8-2.8 1.4 1.4L10 14.4 4.8 9.2l1.4-1.4L9 10.6V3Zm-5 13h12v2H4v-2Z" />
  </svg>
);

export default function Library() {
  const { purchases, memberships, offers } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [params] = useSearchParams();
  return (
    <div className="mx-auto max-w-4xl space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Your library</h1>
        <p className="text-slate-600">
          Everything you've bought and the memberships you hold.{" "}
          <Link to="/library/bookings" className="font-medium text-brand-700 hover:underline">
            Your bookings
          </Link>
          {" · "}
          <Link to="/dashboard/affiliate" className="font-medium text-brand-700 hover:underline">
            Affiliate earnings
          </Link>
        </p>
      </div>
      {params.get("joined") ? <FormSuccess message="You've joined the tier." /> : null}
      {result && "message" in result && result.message ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}

      {offers.length ? (
        <section aria-label="Notifications" className="space-y-2">
          {offers.map((o) => (
            <div
              key={o.id}
              className="flex flex-wrap items-center justify-between gap-3 rounded-xl border border-brand-200 bg-brand-50 px-4 py-3 text-sm text-brand-900"
            >
              <span>{o.message}</span>
              <span className="flex gap-3">
                {o.link ? (
                  <Link to={o.link} className="font-semibold underline">
                    Take the seat
                  </Link>
                ) : null}
                <Form method="post">
                  <input type="hidden" name="intent" value="dismiss" />
                  <input type="hidden" name="notificationId" value={o.id} />
                  <button className="text-brand-700 hover:underline">Dismiss</button>
                </Form>
              </span>
            </div>
          ))}
        </section>
      ) : null}

      <section aria-labelledby="purchases-h" className="space-y-3">
        <h2 id="purchases-h" className="text-lg font-semibold">
          Purchases
        </h2>
        {purchases.length === 0 ? (
          <EmptyState icon="box" title="Nothing here yet">
            Products you buy — courses, templates, prompt packs — show up here with their downloads.
          </EmptyState>
        ) : (
          <ul className="space-y-3">
            {purchases.map((p) => (
              <li key={p.orderId} className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div className="min-w-0">
                    <Link to={p.href} className="font-semibold text-slate-900 hover:text-brand-700">
                      {p.title}
                    </Link>
                    <p className="text-sm text-slate-500">
                      {p.typeLabel} · {p.paidLabel}
                    </p>
                  </div>
                  <StatusBadge status={p.status} label={p.statusLabel} />
                </div>
                {p.status === "paid" ? (
                  <div className="mt-3 flex flex-wrap gap-2">
                    {p.isCourse ? (
                      <Link
                        to={`/library/courses/${p.productId}`}
                        className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
                      >
                        Continue course
                      </Link>
                    ) : null}
                    {p.files.map((f) => (
                      <a
                        key={f.id}
                        href={`/library/download/${f.id}`}
                        className="inline-flex max-w-full items-center gap-1.5 rounded-lg bg-slate-100 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-200"
                        download
                      >
                        <DownloadIcon />
                        <span className="truncate">{f.fileName}</span>
                        <span className="text-slate-500">· {size(f.size)}</span>
                      </a>
                    ))}
                  </div>
                ) : (
                  <p className="mt-2 text-sm text-slate-600">
                    {p.status === "refunded" && p.duplicate
                      ? "You already owned this, so this second payment was refunded automatically."
                      : p.status === "refunded"
                        ? "Refunded — access has ended."
                        : "This payment is disputed, so access is paused."}
                  </p>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="members-h" className="space-y-3">
        <h2 id="members-h" className="text-lg font-semibold">
          Memberships
        </h2>
        {memberships.length === 0 ? (
          <EmptyState icon="star" title="No memberships yet">
            Support a creator with a membership and it shows up here.
          </EmptyState>
        ) : (
          <ul className="space-y-3">
            {memberships.map((m) => (
              <li key={m.id} className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div className="min-w-0">
                    <p className="font-semibold">
                      {m.tierName}{" "}
                      <span className="font-normal text-slate-500">
                        ·{" "}
                        <Link className="hover:underline" to={`/@${m.creator.handle}`}>
                          {m.creator.displayName}
                        </Link>
                      </span>
                    </p>
                    <p className="text-sm text-slate-500">
                      {m.priceLabel}
                      {m.periodEnd && m.status !== "canceled"
                        ? m.cancelAtPeriodEnd
                          ? ` · ends ${day(m.periodEnd)}`
                          : ` · renews ${day(m.periodEnd)}`
                        : ""}
                    </p>
                  </div>
                  <StatusBadge status={m.state.status} label={m.state.label} />
                </div>
                {m.state.status === "paused" ? (
                  <p className="mt-2 text-sm text-amber-800">
                    A payment for this membership is disputed, so members-only posts and emails are paused until the dispute is resolved.
                    Your seat is kept.
                  </p>
                ) : null}
                {m.pending && m.status !== "canceled" ? (
                  <div className="mt-2 flex flex-wrap items-center gap-2" data-testid="pending-switch">
                    <p className="text-sm text-slate-700">{m.pending.label}. Until then you keep your current tier.</p>
                    <Form method="post">
                      <input type="hidden" name="membershipId" value={m.id} />
                      <input type="hidden" name="intent" value="keep-tier" />
                      <button disabled={busy} className="text-sm font-semibold text-brand-700 underline">
                        Keep my current tier
                      </button>
                    </Form>
                  </div>
                ) : null}
                {m.note ? <p className="mt-2 text-sm text-slate-600">{m.note}</p> : null}
                {m.payments.length ? (
                  <ul className="mt-2 space-y-0.5 text-sm text-slate-600" aria-label="Payments refunded or disputed">
                    {m.payments.map((p, i) => (
                      <li key={i}>{p.label}</li>
                    ))}
                  </ul>
                ) : null}
                {m.status === "past_due" ? (
                  <p className="mt-2 text-sm text-amber-800">Your last payment failed. Update your card to keep your membership.</p>
                ) : null}
                {m.status !== "canceled" ? (
                  <div className="mt-3 flex flex-wrap gap-2">
                    {m.paid ? (
                      <>
                        <Form method="post">
                          <input type="hidden" name="membershipId" value={m.id} />
                          <input type="hidden" name="intent" value={m.cancelAtPeriodEnd ? "resume" : "cancel"} />
                          <button
                            disabled={busy}
                            className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
                          >
                            {m.cancelAtPeriodEnd ? "Resume" : "Cancel at period end"}
                          </button>
                        </Form>
                        <Form method="post">
                          <input type="hidden" name="membershipId" value={m.id} />
                          <input type="hidden" name="intent" value="portal" />
                          <button
                            disabled={busy}
                            className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
                          >
                            Update card &amp; invoices
                          </button>
                        </Form>
                      </>
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="membershipId" value={m.id} />
                        <input type="hidden" name="intent" value="leave" />
                        <button
                          disabled={busy}
                          className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
                        >
                          Leave tier
                        </button>
                      </Form>
                    )}
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
