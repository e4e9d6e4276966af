import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { isAppError } from "~/lib/errors";
import { passThroughHeaders } from "~/lib/route-headers";
import { confirmGuestTierJoin, guestTierRequestPage, type GuestTierConfirmed } from "~/modules/payments/guest.server";

/** A guest's emailed link to join a free tier, or a waitlist, by email (D125). Nobody is signed in here. */
export const headers = passThroughHeaders;

export const meta: MetaFunction = () => [{ title: "Confirm — All Thrive" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return { invalid: null, request: await guestTierRequestPage(context.cloudflare.env, params.token) };
  } catch (e) {
    // 200, not the error's status: after a successful confirm the page is rendered again with the
    // link used up, and the action's answer must keep its 200.
    if (isAppError(e)) return { invalid: e.message, request: null };
    throw e;
  }
}

export async function action({ params, context }: ActionFunctionArgs) {
  try {
    return { ok: true as const, confirmed: await confirmGuestTierJoin(context.cloudflare.env, params.token) };
  } catch (e) {
    if (isAppError(e)) return data({ ok: false as const, formError: e.message }, { status: e.status });
    throw e;
  }
}

const doneText = (c: GuestTierConfirmed) =>
  c.outcome === "member"
    ? `You're a member of ${c.tier.name}. We've emailed you how to open your library.`
    : c.outcome === "offered"
      ? `A seat in ${c.tier.name} is free and held for you for 24 hours. We've emailed you how to sign in and take it.`
      : c.outcome === "owner"
        ? `${c.tier.name} is your own tier — nothing to join.`
        : `You're on the waitlist of ${c.tier.name}${c.position ? ` (number ${c.position})` : ""}. We'll email you when a seat is held for you.`;

export default function ConfirmGuestTier() {
  const { invalid, request } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  if (result?.ok) {
    const c = result.confirmed;
    return (
      <AuthCard title={c.outcome === "member" ? "You're in" : c.outcome === "owner" ? "Nothing to do" : "Confirmed"}>
        <FormSuccess message={doneText(c)} />
        <p className="mt-4 text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to={`/@${c.creator.handle}`}>
            Visit {c.creator.displayName}
          </Link>
        </p>
      </AuthCard>
    );
  }
  if (invalid || !request)
    return (
      <AuthCard title="This link doesn't work">
        <FormError message={invalid ?? "This link has expired or was already used."} />
        <p className="mt-4 text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to="/discover">
            Discover creators
          </Link>
        </p>
      </AuthCard>
    );
  return (
    <AuthCard
      title={request.kind === "join" ? `Join ${request.tier.name}` : `Join the ${request.tier.name} waitlist`}
      subtitle={
        request.kind === "join"
          ? `A free membership by ${request.creator.displayName}, for ${request.email}.`
          : `A membership by ${request.creator.displayName}, for ${request.email}. The next free seat is held for you.`
      }
    >
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      <Form method="post" className="space-y-4">
        <Button type="submit" className="w-full" disabled={busy}>
          {request.kind === "join" ? "Confirm and join" : "Confirm my place"}
        </Button>
      </Form>
      <p className="mt-4 text-xs text-slate-500">
        When you join, {request.creator.displayName} sees your email address, tier, status and the date you joined.
      </p>
    </AuthCard>
  );
}
