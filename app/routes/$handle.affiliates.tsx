import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, FormError } from "~/components/ui/form";
import { invariantResponse } from "~/lib/errors";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { joinProgram, programByHandle } from "~/modules/affiliates/service.server";

/** A creator's affiliate program: what it pays, and "Join" (decision 0109). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const raw = params.handle ?? "";
    invariantResponse(raw.startsWith("@"), "We couldn't find the page you were looking for.");
    const page = await programByHandle(context.cloudflare.env, raw.slice(1), context.viewer);
    return { ...page, signedIn: !!context.viewer };
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const raw = params.handle ?? "";
  return handleForm(async () => {
    invariantResponse(raw.startsWith("@"), "We couldn't find the page you were looking for.");
    await joinProgram(context.cloudflare.env, viewer, raw.slice(1));
    throw redirect("/dashboard/affiliate?joined=1", 303);
  });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Affiliate program of ${data.creator.displayName} — All Thrive` : "Not found — All Thrive" },
];

export default function CreatorAffiliateProgram() {
  const { creator, program, isOwner, membership, signedIn } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="mx-auto max-w-xl space-y-5">
      <Link to={`/@${creator.handle}`} className="inline-block text-sm text-brand-700 hover:underline">
        ← {creator.displayName}
      </Link>
      <section className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="prog-h">
        <h1 id="prog-h" className="text-2xl font-bold tracking-tight">
          Earn by sharing {creator.displayName}'s work
        </h1>
        {program ? (
          <>
            <ul className="mt-4 space-y-1 text-sm text-slate-700">
              <li>
                <strong>{program.commissionPercent}%</strong> of what {creator.displayName} keeps on each sale you bring.
              </li>
              <li>Sales within {program.cookieDays} days of someone clicking your link count.</li>
              {program.recurringMonths > 0 ? <li>Memberships earn on renewals for {program.recurringMonths} months.</li> : null}
              <li>Commissions are paid to your payout account 30 days after the sale (refunds take them back).</li>
            </ul>
            {result && "formError" in result ? <FormError message={result.formError} /> : null}
            <div className="mt-5">
              {isOwner ? (
                <Link className="text-sm font-medium text-brand-700 underline" to="/dashboard/affiliates">
                  This is your program — manage it in your dashboard
                </Link>
              ) : membership?.status === "active" ? (
                <Link className="text-sm font-medium text-brand-700 underline" to="/dashboard/affiliate">
                  You're in (code {membership.code}) — get your links
                </Link>
              ) : membership ? (
                <p className="text-sm text-slate-600">The creator removed you from this program.</p>
              ) : signedIn ? (
                <Form method="post">
                  <Button type="submit" disabled={busy}>
                    {busy ? "Joining…" : "Join the program"}
                  </Button>
                </Form>
              ) : (
                <Link
                  className="inline-block rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700"
                  to={`/login?redirectTo=${encodeURIComponent(`/@${creator.handle}/affiliates`)}`}
                >
                  Log in to join
                </Link>
              )}
            </div>
          </>
        ) : (
          <p className="mt-3 text-slate-600">{creator.displayName} doesn't have an affiliate program right now.</p>
        )}
      </section>
    </div>
  );
}
