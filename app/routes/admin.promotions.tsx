import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AdminNav } from "~/components/admin-nav";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { adminPromotions, reviewPromotion, setDayPrice } from "~/modules/growth/promotions.server";

export const meta: MetaFunction = () => [{ title: "Promotions — admin — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => adminPromotions(context.cloudflare.env, viewer));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const env = context.cloudflare.env;
  return handleForm(async () => {
    const intent = String(form.get("intent") ?? "");
    if (intent === "price") {
      await setDayPrice(env, viewer, String(form.get("kind") ?? ""), String(form.get("price") ?? ""));
      return { ok: true as const, message: "Price saved. It applies to promotions bought from now on." };
    }
    const r = await reviewPromotion(env, viewer, String(form.get("promotionId") ?? ""), intent, String(form.get("reason") ?? ""));
    return {
      ok: true as const,
      message: intent === "approve" ? "Approved — it shows from its start day." : `Rejected; refunded ${formatMoney(r.refunded, "usd")}.`,
    };
  });
}

export default function AdminPromotions() {
  const { promotions, prices } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Promotions</h1>
      <AdminNav />
      <p className="text-slate-600">
        Paid placements wait here until approved; they show labelled “Promoted”. Rejecting refunds the days not yet shown.
      </p>
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      <section aria-labelledby="prices-h" className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
        <h2 id="prices-h" className="font-semibold">
          Price per day (USD)
        </h2>
        <div className="mt-2 flex flex-wrap gap-6">
          {(["home", "discover"] as const).map((k) => (
            <Form key={k} method="post" className="flex items-end gap-2">
              <input type="hidden" name="intent" value="price" />
              <input type="hidden" name="kind" value={k} />
              <label className="text-sm">
                <span className="block text-slate-700">{k === "home" ? "Home page" : "Discover category"}</span>
                <input
                  name="price"
                  defaultValue={prices[k]}
                  inputMode="decimal"
                  className="mt-1 w-28 rounded-lg border border-slate-300 px-3 py-1.5"
                />
              </label>
              <Button disabled={busy}>Save</Button>
            </Form>
          ))}
        </div>
      </section>
      {promotions.length === 0 ? (
        <p className="text-sm text-slate-500">No promotions to review.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-2xl border border-slate-200 bg-white shadow-sm">
          {promotions.map((p) => (
            <li key={p.id} className="space-y-2 px-4 py-3 text-sm" data-testid="admin-promotion">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <Link to={`/apps/${p.appSlug}`} className="font-medium text-slate-900 hover:underline">
                  {p.appName}
                </Link>
                <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">{p.status}</span>
              </div>
              <p className="text-slate-600">
                {p.placement} · {p.dates} · {p.amount} · {p.impressions} impressions, {p.clicks} clicks
              </p>
              {p.rejectReason ? <p className="text-xs text-rose-800">Reason: {p.rejectReason}</p> : null}
              {p.rawStatus === "in_review" || p.rawStatus === "approved" ? (
                <div className="flex flex-wrap items-end gap-3">
                  {p.rawStatus === "in_review" ? (
                    <Form method="post">
                      <input type="hidden" name="promotionId" value={p.id} />
                      <input type="hidden" name="intent" value="approve" />
                      <Button disabled={busy}>Approve</Button>
                    </Form>
                  ) : null}
                  <Form method="post" className="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="promotionId" value={p.id} />
                    <input type="hidden" name="intent" value="reject" />
                    <label className="text-xs">
                      <span className="block text-slate-700">Reason (the creator sees it)</span>
                      <input name="reason" className="mt-1 w-64 rounded-lg border border-slate-300 px-2 py-1.5 text-sm" />
                    </label>
                    <button
                      type="submit"
                      disabled={busy}
                      className="rounded-lg px-3 py-1.5 text-sm font-semibold text-rose-700 ring-1 ring-rose-300 hover:bg-rose-50"
                    >
                      Reject and refund
                    </button>
                  </Form>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
