import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, FormError } from "~/components/ui/form";
import { isAppError } from "~/lib/errors";
import { passThroughHeaders } from "~/lib/route-headers";
import { confirmGuestBooking, guestBookingRequestPage } from "~/modules/services/guest-booking.server";

/** A guest's emailed link confirming a free booking (D131). Nobody is signed in here. */
export const headers = passThroughHeaders;

export const meta: MetaFunction = () => [{ title: "Confirm your booking — All Thrive" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return { invalid: null, request: await guestBookingRequestPage(context.cloudflare.env, params.token) };
  } catch (e) {
    if (isAppError(e)) return data({ invalid: e.message, request: null }, { status: e.status });
    throw e;
  }
}

export async function action({ params, context }: ActionFunctionArgs) {
  try {
    const { managePath } = await confirmGuestBooking(context.cloudflare.env, params.token);
    return redirect(`${managePath}?booked=1`, 303);
  } catch (e) {
    if (isAppError(e)) return data({ ok: false as const, formError: e.message }, { status: e.status });
    throw e;
  }
}

export default function ConfirmGuestBooking() {
  const { invalid, request } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
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
    <AuthCard title={`Confirm: ${request.service.title}`} subtitle={`With ${request.creator.displayName}, ${request.when}.`}>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      <dl className="mb-4 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-500">Name</dt>
        <dd className="text-slate-900">{request.name}</dd>
        <dt className="text-slate-500">Email</dt>
        <dd className="break-all text-slate-900">{request.email}</dd>
      </dl>
      <Form method="post">
        <Button type="submit" className="w-full" disabled={busy}>
          Confirm my booking
        </Button>
      </Form>
      <p className="mt-4 text-xs text-slate-500">
        {request.creator.displayName} sees your name, email and answers. You can cancel or move the booking from the link in your
        confirmation email.
      </p>
    </AuthCard>
  );
}
