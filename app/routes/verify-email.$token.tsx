import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { FormError, FormSuccess } from "~/components/ui/form";
import { isAppError } from "~/lib/errors";
import { verifyEmail } from "~/modules/accounts/service.server";

export const meta: MetaFunction = () => [{ title: "Confirm your email — All Thrive" }, { name: "referrer", content: "no-referrer" }];

/** Opening the link is the confirmation (it only marks the address proven; nothing to undo). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    await verifyEmail(context.cloudflare.env, params.token);
    return { ok: true as const, message: "Thanks — your email address is confirmed. You can now open a storefront, sell and write posts." };
  } catch (e) {
    if (isAppError(e)) return { ok: false as const, message: e.message };
    throw e;
  }
}

export default function VerifyEmail() {
  const { ok, message } = useLoaderData<typeof loader>();
  return (
    <AuthCard title={ok ? "Email confirmed" : "This link doesn't work"}>
      {ok ? <FormSuccess message={message} /> : <FormError message={message} />}
      <p className="mt-4 text-sm">
        <Link className="font-semibold text-brand-700 hover:underline" to={ok ? "/settings/profile" : "/settings"}>
          {ok ? "Open your storefront →" : "Go to Settings →"}
        </Link>
      </p>
    </AuthCard>
  );
}
