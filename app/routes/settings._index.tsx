import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { endAllSessions, endSession, requireViewer } from "~/modules/identity/auth.server";
import { changePassword } from "~/modules/identity/service.server";
import { clientIp } from "~/lib/http.server";
import { requestEmailChange } from "~/modules/accounts/service.server";
import { VerifyEmailNotice } from "~/components/verify-email-notice";

export const meta: MetaFunction = () => [{ title: "Settings — All Thrive" }];

export function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return { email: viewer.email };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  if (form.intent === "logout-all") {
    await endAllSessions(env, viewer.id);
    return redirect("/login", { headers: { "Set-Cookie": await endSession(env, null) } });
  }
  if (form.intent === "change-email")
    return handleForm(async () => ({
      ok: true as const,
      intent: "change-email" as const,
      ...(await requestEmailChange(env, viewer, form, clientIp(request))),
    }));
  return handleForm(async () => {
    const { setCookie } = await changePassword(env, viewer.id, form);
    return data(
      { ok: true as const, intent: "change-password" as const, message: "Password changed. Other devices have been signed out." },
      { headers: { "Set-Cookie": setCookie } },
    );
  });
}

export default function Settings() {
  const { email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  // Which form answered: the email form posts intent=change-email; everything else is the password form.
  const emailForm =
    navigation.formData?.get("intent") === "change-email" || (result && "intent" in result && result.intent === "change-email");
  const [lastIntent, setLastIntent] = useState<string | null>(null);
  useEffect(() => {
    const i = navigation.formData?.get("intent");
    if (typeof i === "string") setLastIntent(i);
  }, [navigation.formData]);
  const forEmail = lastIntent === "change-email" || !!emailForm;
  const emailResult = forEmail ? result : undefined;
  const pwResult = forEmail ? undefined : result;
  const errors = pwResult && "fieldErrors" in pwResult ? pwResult.fieldErrors : {};
  const emailErrors = emailResult && "fieldErrors" in emailResult ? emailResult.fieldErrors : {};
  return (
    <div className="mx-auto max-w-2xl space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Settings</h1>
        <p className="mt-1 text-slate-600">
          Signed in as <span className="font-medium text-slate-900">{email}</span>.
        </p>
        <p className="mt-2 text-sm">
          <Link to="/settings/profile" className="font-semibold text-brand-700 hover:underline">
            Edit your creator profile →
          </Link>
        </p>
        <p className="mt-1 text-sm">
          <Link to="/settings/email" className="font-semibold text-brand-700 hover:underline">
            Email and private RSS feeds →
          </Link>
        </p>
        <p className="mt-1 text-sm">
          <Link to="/settings/webhooks" className="font-semibold text-brand-700 hover:underline">
            Webhooks →
          </Link>
        </p>
        <p className="mt-1 text-sm">
          <Link to="/settings/tokens" className="font-semibold text-brand-700 hover:underline">
            API tokens →
          </Link>
        </p>
        <p className="mt-1 text-sm">
          <Link to="/settings/export" className="font-semibold text-brand-700 hover:underline">
            Export your data →
          </Link>
        </p>
        <p className="mt-1 text-sm">
          <Link to="/settings/delete" className="font-semibold text-rose-700 hover:underline">
            Delete your account →
          </Link>
        </p>
      </div>

      <VerifyEmailNotice action="open a storefront, sell and write" />

      <section aria-labelledby="em" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="em" className="text-lg font-semibold">
          Change email address
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          We'll email a confirmation link to the new address; the change happens when you click it. Your current address gets a notice with
          an undo link.
        </p>
        <Form method="post" className="mt-4 space-y-4" noValidate>
          <input type="hidden" name="intent" value="change-email" />
          {emailResult && "message" in emailResult ? <FormSuccess message={emailResult.message} /> : null}
          {emailResult && "formError" in emailResult && !Object.keys(emailErrors).length ? (
            <FormError message={emailResult.formError} />
          ) : null}
          <Field label="New email address" name="newEmail" type="email" autoComplete="email" error={emailErrors.newEmail} />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            error={emailErrors.currentPassword}
          />
          <Button type="submit" disabled={busy}>
            Send confirmation link
          </Button>
        </Form>
      </section>

      <section aria-labelledby="pw" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="pw" className="text-lg font-semibold">
          Change password
        </h2>
        <Form method="post" className="mt-4 space-y-4" noValidate>
          <input type="hidden" name="intent" value="change-password" />
          {pwResult && "message" in pwResult ? <FormSuccess message={pwResult.message} /> : null}
          {pwResult && "formError" in pwResult && !Object.keys(errors).length ? <FormError message={pwResult.formError} /> : null}
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            error={errors.currentPassword}
          />
          <Field
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            hint="At least 10 characters."
            error={errors.newPassword}
          />
          <Button type="submit" disabled={busy}>
            Change password
          </Button>
        </Form>
      </section>

      <section aria-labelledby="sessions" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="sessions" className="text-lg font-semibold">
          Sessions
        </h2>
        <p className="mt-1 text-sm text-slate-600">Signed in on a shared computer? End every session, including this one.</p>
        <Form method="post" className="mt-4">
          <input type="hidden" name="intent" value="logout-all" />
          <Button type="submit" variant="danger">
            Log out of all sessions
          </Button>
        </Form>
      </section>
    </div>
  );
}
