import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Button, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { checkUnsubscribeToken, unsubscribeFromFeedbackDigest, unsubscribeWithToken } from "~/modules/email/service.server";
import { checkCreatorUnsubscribe, unsubscribeFromCreator } from "~/modules/email/transactional.server";

export const meta: MetaFunction = () => [{ title: "Unsubscribe — All Thrive" }, { name: "robots", content: "noindex" }];

const params = (request: Request) => {
  const u = new URL(request.url).searchParams;
  return { userId: u.get("u") ?? "", token: u.get("t") ?? "", creatorId: u.get("c") ?? "", kind: u.get("k") ?? "" };
};

/** GET shows a confirmation (link scanners must not unsubscribe people); POST unsubscribes. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { userId, token, creatorId, kind } = params(request);
  const env = context.cloudflare.env;
  // `c`: the link in a creator's message unsubscribes from that creator's messages only;
  // `k=feedback-digest`: the maker's feedback digest only.
  return orRespond(async () =>
    kind === "feedback-digest"
      ? await unsubscribeFromFeedbackDigest(env, userId, token, false)
      : creatorId
        ? { ...(await checkCreatorUnsubscribe(env, userId, creatorId, token)), what: null }
        : { ...(await checkUnsubscribeToken(env, userId, token)), creatorName: null, what: null },
  );
}

/** Also the RFC 8058 one-click target (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`). */
export async function action({ request, context }: ActionFunctionArgs) {
  const { userId, token, creatorId, kind } = params(request);
  return handleForm(async () => {
    if (kind === "feedback-digest") await unsubscribeFromFeedbackDigest(context.cloudflare.env, userId, token, true);
    else if (creatorId) await unsubscribeFromCreator(context.cloudflare.env, userId, creatorId, token);
    else await unsubscribeWithToken(context.cloudflare.env, userId, token);
    return { ok: true as const };
  });
}

export default function Unsubscribe() {
  const { email, creatorName, what } = useLoaderData<typeof loader>();
  const done = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-2xl font-bold tracking-tight">Unsubscribe</h1>
      {done && "ok" in done && done.ok ? (
        <div className="mt-4 space-y-4">
          <FormSuccess
            message={
              what
                ? `Done — ${email} will get no more ${what}.`
                : creatorName
                  ? `Done — ${email} will get no more messages from ${creatorName}.`
                  : `Done — ${email} will get no more post emails.`
            }
          />
          <p className="text-sm text-slate-600">
            Changed your mind?{" "}
            <Link to="/settings/email" className="font-medium text-brand-700 underline">
              Email preferences
            </Link>
          </p>
        </div>
      ) : (
        <Form method="post" className="mt-4 space-y-4">
          <p className="text-slate-600">
            {what ? (
              <>
                Stop {what} to <strong>{email}</strong>?
              </>
            ) : creatorName ? (
              <>
                Stop messages from {creatorName} to <strong>{email}</strong>?
              </>
            ) : (
              <>
                Stop all new-post emails to <strong>{email}</strong>?
              </>
            )}
          </p>
          <Button type="submit">Unsubscribe</Button>
        </Form>
      )}
    </div>
  );
}
