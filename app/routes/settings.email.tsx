import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import {
  getEmailMode,
  getFeedbackDigest,
  getMemberAlerts,
  setEmailMode,
  setFeedbackDigest,
  setMemberAlerts,
} from "~/modules/email/service.server";
import { createRssToken, listRssTokens, revokeRssToken } from "~/modules/posts/pages.server";

export const meta: MetaFunction = () => [{ title: "Email and feeds — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const [mode, feeds, memberAlerts, feedbackDigest] = await Promise.all([
    getEmailMode(env, viewer.id),
    listRssTokens(env, viewer),
    getMemberAlerts(env, viewer.id),
    getFeedbackDigest(env, viewer.id),
  ]);
  return { mode, feeds, memberAlerts, feedbackDigest };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    if (form.intent === "create-rss") {
      const feed = await createRssToken(env, viewer, String(form.handle ?? ""));
      return {
        ok: true as const,
        message: `Your private feed for ${feed.displayName} is ready. Copy the link now — it is shown only once.`,
        rssUrl: feed.url,
      };
    }
    if (form.intent === "revoke-rss") {
      await revokeRssToken(env, viewer, String(form.handle ?? ""));
      return { ok: true as const, message: "Private feed link revoked. Feed readers using it will stop updating.", rssUrl: null };
    }
    if (form.intent === "member-alerts") {
      const { memberAlerts } = await setMemberAlerts(env, viewer.id, form);
      return {
        ok: true as const,
        message: memberAlerts ? "You'll get an email when someone joins or cancels a tier." : "Member alerts are off.",
        rssUrl: null,
      };
    }
    if (form.intent === "feedback-digest") {
      const { feedbackDigest } = await setFeedbackDigest(env, viewer.id, form);
      return {
        ok: true as const,
        message: feedbackDigest ? "You'll get one email a day listing new feedback on your apps." : "Feedback digests are off.",
        rssUrl: null,
      };
    }
    await setEmailMode(env, viewer.id, form);
    return { ok: true as const, message: "Email preferences saved.", rssUrl: null };
  });
}

const MODES = [
  { value: "all", label: "All new posts", hint: "From every builder you follow or subscribe to." },
  { value: "subscribed", label: "Only from builders I pay for", hint: "Posts from creators you have an active paid subscription with." },
  { value: "none", label: "No post emails", hint: "You'll still see new posts in your feed and notifications." },
] as const;

export default function EmailSettings() {
  const { mode, feeds, memberAlerts, feedbackDigest } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-2xl space-y-8">
      <div>
        <p className="text-sm">
          <Link to="/settings" className="text-brand-700 hover:text-brand-900">
            ← Settings
          </Link>
        </p>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">Email and feeds</h1>
      </div>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      {result && "rssUrl" in result && result.rssUrl ? (
        <div className="rounded-xl border border-slate-200 bg-white p-4">
          <label htmlFor="rss-url" className="text-sm font-medium text-slate-800">
            Private feed URL
          </label>
          <input
            id="rss-url"
            readOnly
            value={result.rssUrl}
            className="mt-1 block w-full rounded-lg border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs"
            onFocus={(e) => e.currentTarget.select()}
          />
          <p className="mt-1 text-xs text-slate-500">Anyone with this link can read what you can read from this creator. Don't share it.</p>
        </div>
      ) : null}
      <section aria-labelledby="email-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="email-h" className="text-lg font-semibold">
          New post emails
        </h2>
        <Form method="post" className="mt-4 space-y-4">
          <input type="hidden" name="intent" value="set-mode" />
          <fieldset className="space-y-3">
            <legend className="sr-only">Which post emails do you want?</legend>
            {MODES.map((m) => (
              <label
                key={m.value}
                className="flex cursor-pointer items-start gap-3 rounded-lg border border-slate-200 p-3 hover:bg-slate-50"
              >
                <input type="radio" name="mode" value={m.value} defaultChecked={mode === m.value} className="mt-1" />
                <span>
                  <span className="block font-medium text-slate-900">{m.label}</span>
                  <span className="block text-sm text-slate-600">{m.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <Button type="submit" disabled={busy}>
            Save preferences
          </Button>
        </Form>
      </section>
      <OnOffSection
        id="alerts-h"
        title="Member alerts (for creators)"
        intent="member-alerts"
        name="memberAlerts"
        on={memberAlerts}
        busy={busy}
      >
        An email when someone joins or cancels one of your tiers. Sale receipts and payout alerts always go out.
      </OnOffSection>
      <OnOffSection
        id="digest-h"
        title="Feedback digest (for app makers)"
        intent="feedback-digest"
        name="feedbackDigest"
        on={feedbackDigest}
        busy={busy}
      >
        One email a day listing the ideas, bugs and questions people filed on your apps&apos; boards — none on days without any.
      </OnOffSection>
      <section aria-labelledby="rss-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="rss-h" className="text-lg font-semibold">
          Private RSS feeds
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Get a personal feed link from any post ("Private RSS"). It includes the full text of posts you can read.
        </p>
        {feeds.length === 0 ? (
          <p className="mt-4 text-sm text-slate-500">You have no private feeds.</p>
        ) : (
          <ul className="mt-4 divide-y divide-slate-200">
            {feeds.map((f) => (
              <li key={f.handle} className="flex items-center justify-between gap-3 py-3">
                <span>
                  <span className="font-medium">{f.displayName}</span> <span className="text-slate-500">@{f.handle}</span>
                </span>
                <span className="flex gap-2">
                  <Form method="post">
                    <input type="hidden" name="intent" value="create-rss" />
                    <input type="hidden" name="handle" value={f.handle} />
                    <Button type="submit" variant="secondary">
                      New link
                    </Button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke-rss" />
                    <input type="hidden" name="handle" value={f.handle} />
                    <Button type="submit" variant="danger">
                      Revoke
                    </Button>
                  </Form>
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** One on/off email preference: a card with its own small form (intent + name=on|off). */
function OnOffSection(props: { id: string; title: string; intent: string; name: string; on: boolean; busy: boolean; children: ReactNode }) {
  return (
    <section aria-labelledby={props.id} className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <h2 id={props.id} className="text-lg font-semibold">
        {props.title}
      </h2>
      <p className="mt-1 text-sm text-slate-600">{props.children}</p>
      <Form method="post" className="mt-4 flex flex-wrap items-center gap-4">
        <input type="hidden" name="intent" value={props.intent} />
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name={props.name} value="on" defaultChecked={props.on} /> On
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name={props.name} value="off" defaultChecked={!props.on} /> Off
        </label>
        <Button type="submit" variant="secondary" disabled={props.busy}>
          Save
        </Button>
      </Form>
    </section>
  );
}
