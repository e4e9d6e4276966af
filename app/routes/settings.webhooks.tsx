import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { WEBHOOK_EVENT_TYPES } from "~/modules/webhooks/schema";
import {
  createEndpoint,
  deleteEndpoint,
  deliveryLog,
  listEndpoints,
  replayDelivery,
  rotateSecret,
  sendTestEvent,
  setEndpointEnabled,
} from "~/modules/webhooks/service.server";

export const meta: MetaFunction = () => [{ title: "Webhooks — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  if (!context.viewer?.handle) return { isCreator: false as const, endpoints: [], deliveries: [] };
  const [endpoints, deliveries] = await Promise.all([listEndpoints(env, viewer), deliveryLog(env, viewer, { limit: 30 })]);
  return { isCreator: true as const, endpoints, deliveries };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const id = String(form.get("id") ?? "");
  return handleForm(async () => {
    switch (intent) {
      case "create": {
        const ep = await createEndpoint(env, viewer, {
          url: form.get("url") ?? "",
          description: form.get("description") ?? "",
          eventTypes: form.getAll("eventTypes").map(String),
        });
        return { ok: true as const, intent, message: `Endpoint added. Its signing secret starts with ${ep.secret.slice(0, 10)}…` };
      }
      case "test":
        await sendTestEvent(env, viewer, id);
        return { ok: true as const, intent, message: "Test event queued: it shows in the delivery log below in a moment." };
      case "rotate":
        await rotateSecret(env, viewer, id);
        return { ok: true as const, intent, message: "New signing secret made. The old one also signs for the next 24 hours." };
      case "enable":
      case "disable":
        await setEndpointEnabled(env, viewer, id, intent === "enable");
        return { ok: true as const, intent, message: intent === "enable" ? "Endpoint turned on." : "Endpoint turned off." };
      case "delete":
        await deleteEndpoint(env, viewer, id);
        return { ok: true as const, intent, message: "Endpoint deleted." };
      case "replay":
        await replayDelivery(env, viewer, id);
        return { ok: true as const, intent, message: "Sending it again, with the same webhook-id." };
      default:
        throw badRequest("Unknown action.");
    }
  });
}

const when = (s: number) => new Date(s * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";

const STATUS_STYLE: Record<string, string> = {
  delivered: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  pending: "bg-amber-50 text-amber-800 ring-amber-200",
  failed: "bg-red-50 text-red-800 ring-red-200",
  skipped: "bg-slate-100 text-slate-700 ring-slate-200",
};

function Badge({ status, label }: { status: string; label?: string }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ${STATUS_STYLE[status] ?? STATUS_STYLE.skipped}`}
    >
      {label ?? status}
    </span>
  );
}

function Intent({
  intent,
  id,
  label,
  variant = "secondary",
  confirm,
}: {
  intent: string;
  id: string;
  label: string;
  variant?: "primary" | "secondary" | "danger";
  confirm?: string;
}) {
  const busy = useNavigation().state !== "idle";
  return (
    <Form
      method="post"
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault();
      }}
    >
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="id" value={id} />
      <Button variant={variant} disabled={busy} className="px-3 py-1.5 text-xs">
        {label}
      </Button>
    </Form>
  );
}

export default function Webhooks() {
  const { isCreator, endpoints, deliveries } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const revalidator = useRevalidator();
  const formRef = useRef<HTMLFormElement>(null);
  const pending = deliveries.some((d) => d.status === "pending" && d.nextAttemptAt === null);
  const justQueued = result && result.ok && (result.intent === "test" || result.intent === "replay");
  useEffect(() => {
    if (!pending && !justQueued) return;
    const t = setTimeout(() => revalidator.revalidate(), 1200);
    return () => clearTimeout(t);
  }, [pending, justQueued, revalidator, deliveries]);
  useEffect(() => {
    if (result && result.ok && result.intent === "create") formRef.current?.reset();
  }, [result]);
  const errors = result && !result.ok ? result.fieldErrors : {};
  const urlOf = new Map(endpoints.map((e) => [e.id, e.url]));

  if (!isCreator)
    return (
      <div className="mx-auto max-w-2xl space-y-4">
        <h1 className="text-2xl font-bold tracking-tight">Webhooks</h1>
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white p-8 text-center">
          <p className="font-semibold">Webhooks tell your own systems when you make a sale, gain a member or get a booking.</p>
          <p className="mt-1 text-sm text-slate-600">They are for creators: open your storefront first.</p>
          <Link to="/settings/profile" className="mt-4 inline-block font-semibold text-brand-700 hover:underline">
            Open your storefront →
          </Link>
        </div>
      </div>
    );

  return (
    <div className="mx-auto max-w-3xl space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Webhooks</h1>
        <p className="mt-1 text-slate-600">
          We POST a JSON event to your URL when something happens on your storefront, signed per{" "}
          <span className="font-medium">Standard Webhooks</span> (<code className="text-sm">webhook-id</code>,{" "}
          <code className="text-sm">webhook-timestamp</code>, <code className="text-sm">webhook-signature</code>). Failed deliveries are
          retried for about 3 days; events may arrive out of order.
        </p>
      </div>

      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result && result.ok ? <FormSuccess message={result.message} /> : null}

      <section aria-labelledby="add-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="add-h" className="text-lg font-semibold">
          Add an endpoint
        </h2>
        <Form method="post" ref={formRef} className="mt-4 space-y-4" noValidate>
          <input type="hidden" name="intent" value="create" />
          <Field
            label="Endpoint URL"
            name="url"
            type="url"
            placeholder="https://example.com/webhooks/allthrive"
            required
            error={errors.url}
            hint="https only. Private and local addresses are refused."
          />
          <Field label="Description (optional)" name="description" error={errors.description} />
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Events to send</legend>
            <div className="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2">
              {WEBHOOK_EVENT_TYPES.map((t) => (
                <label key={t} className="flex items-center gap-2 rounded-lg border border-slate-200 px-3 py-2 text-sm hover:bg-slate-50">
                  <input
                    type="checkbox"
                    name="eventTypes"
                    value={t}
                    defaultChecked
                    className="h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"
                  />
                  <code>{t}</code>
                </label>
              ))}
            </div>
            {errors.eventTypes ? (
              <p role="alert" className="mt-1 text-sm text-red-700">
                {errors.eventTypes}
              </p>
            ) : null}
          </fieldset>
          <Button type="submit" disabled={busy}>
            Add endpoint
          </Button>
        </Form>
      </section>

      <section aria-labelledby="eps-h" className="space-y-3">
        <h2 id="eps-h" className="text-lg font-semibold">
          Your endpoints
        </h2>
        {endpoints.length === 0 ? (
          <p className="rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
            No endpoints yet. Add one above, then send it a test event.
          </p>
        ) : (
          <ul className="space-y-3">
            {endpoints.map((ep) => (
              <li key={ep.id} className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-label={`Endpoint ${ep.url}`}>
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <div className="min-w-0">
                    <p className="truncate font-mono text-sm font-semibold text-slate-900">{ep.url}</p>
                    {ep.description ? <p className="text-sm text-slate-600">{ep.description}</p> : null}
                  </div>
                  {ep.disabledAt ? (
                    <Badge status="failed" label={ep.disabledReason === "failing" ? "Turned off: kept failing" : "Turned off"} />
                  ) : (
                    <Badge status="delivered" label="Active" />
                  )}
                </div>
                <p className="mt-2 flex flex-wrap gap-1">
                  {ep.eventTypes.map((t) => (
                    <code key={t} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">
                      {t}
                    </code>
                  ))}
                </p>
                <details className="mt-3 text-sm">
                  <summary className="cursor-pointer font-medium text-brand-700">Show signing secret</summary>
                  <code
                    className="mt-2 block rounded-lg bg-slate-900 px-3 py-2 font-mono text-xs break-all text-slate-100"
                    data-testid="signing-secret"
                  >
                    {ep.secret}
                  </code>
                  {ep.rotating ? (
                    <p className="mt-1 text-xs text-slate-500">
                      The previous secret still signs too, for up to 24 hours after the rotation.
                    </p>
                  ) : null}
                </details>
                <div className="mt-4 flex flex-wrap gap-2">
                  {!ep.disabledAt ? <Intent intent="test" id={ep.id} label="Send test event" variant="primary" /> : null}
                  <Intent
                    intent="rotate"
                    id={ep.id}
                    label="Rotate secret"
                    confirm="Make a new signing secret? The old one keeps signing for 24 hours."
                  />
                  {ep.disabledAt ? (
                    <Intent intent="enable" id={ep.id} label="Turn on" />
                  ) : (
                    <Intent intent="disable" id={ep.id} label="Turn off" />
                  )}
                  <Intent intent="delete" id={ep.id} label="Delete" variant="danger" confirm="Delete this endpoint and its delivery log?" />
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="log-h" className="space-y-3">
        <h2 id="log-h" className="text-lg font-semibold">
          Delivery log
        </h2>
        {deliveries.length === 0 ? (
          <p className="rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
            Nothing sent yet. Deliveries show here with what your server answered.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-2xl border border-slate-200 bg-white shadow-sm" aria-label="Deliveries">
            {deliveries.map((d) => (
              <li key={d.id} className="px-4 py-3 text-sm" data-testid="delivery">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <div className="min-w-0">
                    <code className="font-semibold">{d.eventType}</code>
                    <span className="ml-2 text-xs text-slate-500">{when(d.createdAt)}</span>
                    <p className="truncate text-xs text-slate-500">
                      {d.eventId} → {urlOf.get(d.endpointId)}
                    </p>
                  </div>
                  <div className="flex items-center gap-2">
                    <Badge
                      status={d.status}
                      label={d.status === "pending" && d.nextAttemptAt ? `retrying at ${when(d.nextAttemptAt).slice(11)}` : d.status}
                    />
                    {d.lastStatus ? <span className="text-xs text-slate-600">HTTP {d.lastStatus}</span> : null}
                    {d.status !== "pending" ? <Intent intent="replay" id={d.id} label="Replay" /> : null}
                  </div>
                </div>
                {d.log.length ? (
                  <details className="mt-2">
                    <summary className="cursor-pointer text-xs font-medium text-brand-700">
                      {d.log.length} attempt{d.log.length === 1 ? "" : "s"}
                    </summary>
                    <ol className="mt-2 space-y-2">
                      {d.log.map((a) => (
                        <li key={a.id} className="rounded-lg border border-slate-200 p-2">
                          <p className="text-xs">
                            <span className="font-semibold">Attempt {a.attempt}</span> · {when(a.at)} ·{" "}
                            {a.ok ? (
                              <span className="text-emerald-700">HTTP {a.status}</span>
                            ) : (
                              <span className="text-red-700">{a.error}</span>
                            )}
                            {a.durationMs !== null ? ` · ${a.durationMs} ms` : ""}
                          </p>
                          <p className="mt-1 text-xs font-medium text-slate-600">Request</p>
                          <pre className="max-h-40 overflow-auto rounded bg-slate-50 p-2 text-xs whitespace-pre-wrap">
                            {a.requestExcerpt}
                          </pre>
                          {a.responseExcerpt ? (
                            <>
                              <p className="mt-1 text-xs font-medium text-slate-600">Response</p>
                              <pre className="max-h-40 overflow-auto rounded bg-slate-50 p-2 text-xs whitespace-pre-wrap">
                                {a.responseExcerpt}
                              </pre>
                            </>
                          ) : null}
                        </li>
                      ))}
                    </ol>
                  </details>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
