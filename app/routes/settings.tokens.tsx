import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { EmptyState } from "~/components/empty-state";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { EXPIRY_CHOICES, SCOPE_GROUPS } from "~/modules/api/scopes";
import { createPersonalToken, listPersonalTokens, revokePersonalToken } from "~/modules/api/tokens.server";

export const meta: MetaFunction = () => [{ title: "API tokens — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return { tokens: await listPersonalTokens(context.cloudflare.env, viewer), now: Math.floor(Date.now() / 1000) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = await request.formData();
  const intent = form.get("intent");
  return handleForm(async () => {
    if (intent === "revoke") {
      await revokePersonalToken(env, viewer, String(form.get("tokenId") ?? ""));
      return { ok: true as const, intent: "revoke" as const, message: "Token revoked. Anything using it stops working now." };
    }
    if (intent !== "create") throw badRequest("Choose what to do.");
    const created = await createPersonalToken(env, viewer, {
      name: form.get("name"),
      scopes: form.getAll("scopes"),
      expiresInDays: form.get("expiresInDays"),
    });
    // The token travels in this one response only; it is stored hashed.
    return { ok: true as const, intent: "create" as const, token: created.token, name: created.name };
  });
}

const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
const ago = (s: number, now: number) => {
  const d = now - s;
  if (d < 120) return "just now";
  if (d < 7200) return `${Math.round(d / 60)} minutes ago`;
  if (d < 172_800) return `${Math.round(d / 3600)} hours ago`;
  return day(s);
};

export default function ApiTokens() {
  const { tokens, now } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [copied, setCopied] = useState(false);
  const created = result && result.ok && result.intent === "create" ? result : null;
  const errors = result && !result.ok ? result.fieldErrors : {};
  return (
    <div className="mx-auto max-w-3xl space-y-8">
      <div>
        <p className="text-sm">
          <Link to="/settings" className="text-brand-700 hover:underline">
            ← Settings
          </Link>
        </p>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">API tokens</h1>
        <p className="mt-1 text-slate-600">
          Personal access tokens let your own scripts and apps use the{" "}
          <Link to="/docs/api" className="font-semibold text-brand-700 hover:underline">
            All Thrive API
          </Link>{" "}
          as you. Give each one only the permissions it needs.
        </p>
      </div>

      {created ? (
        <section aria-labelledby="new-token" className="rounded-2xl border border-emerald-300 bg-emerald-50 p-6 shadow-sm">
          <h2 id="new-token" className="text-lg font-semibold text-emerald-900">
            Your new token “{created.name}”
          </h2>
          <p className="mt-1 text-sm text-emerald-900">Copy it now — it is shown only once. We keep only a fingerprint of it.</p>
          <div className="mt-3 flex flex-col gap-2 sm:flex-row">
            <label htmlFor="token-value" className="sr-only">
              Token value
            </label>
            <input
              id="token-value"
              readOnly
              value={created.token}
              data-testid="new-token"
              onFocus={(e) => e.currentTarget.select()}
              className="w-full rounded-lg border border-emerald-300 bg-white px-3 py-2 font-mono text-sm text-slate-900"
            />
            <Button
              type="button"
              variant="secondary"
              onClick={() => {
                void navigator.clipboard?.writeText(created.token).then(() => setCopied(true));
              }}
            >
              {copied ? "Copied" : "Copy"}
            </Button>
          </div>
        </section>
      ) : null}
      {result && result.ok && result.intent === "revoke" ? <FormSuccess message={result.message} /> : null}

      <section aria-labelledby="create" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="create" className="text-lg font-semibold">
          Create a token
        </h2>
        <Form method="post" className="mt-4 space-y-5" noValidate>
          <input type="hidden" name="intent" value="create" />
          {result && !result.ok && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
          <Field label="Name" name="name" placeholder="e.g. License check in my app" maxLength={60} error={errors.name} required />
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Permissions</legend>
            <div className="mt-2 overflow-hidden rounded-lg border border-slate-200">
              <table className="w-full text-sm">
                <thead className="bg-slate-50 text-left text-slate-600">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Resource
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Read
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Write
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {SCOPE_GROUPS.map((g) => (
                    <tr key={g.group} className="border-t border-slate-100">
                      <th scope="row" className="px-3 py-2 text-left font-normal text-slate-800">
                        {g.label}
                      </th>
                      <td className="px-3 py-2">
                        <input
                          type="checkbox"
                          name="scopes"
                          value={`${g.group}:read`}
                          aria-label={`${g.label}: read`}
                          className="h-4 w-4 rounded border-slate-300 text-brand-600"
                        />
                      </td>
                      <td className="px-3 py-2">
                        {g.write ? (
                          <input
                            type="checkbox"
                            name="scopes"
                            value={`${g.group}:write`}
                            aria-label={`${g.label}: write`}
                            className="h-4 w-4 rounded border-slate-300 text-brand-600"
                          />
                        ) : (
                          <span className="text-slate-400" aria-label="not available">
                            —
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {errors.scopes ? (
              <p role="alert" className="mt-1 text-sm text-red-700">
                {errors.scopes}
              </p>
            ) : null}
          </fieldset>
          <div>
            <label htmlFor="expires" className="block text-sm font-medium text-slate-800">
              Expires after
            </label>
            <select
              id="expires"
              name="expiresInDays"
              defaultValue="90"
              className="mt-1 block rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900"
            >
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.days} value={c.days}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <Button type="submit" disabled={busy}>
            Create token
          </Button>
        </Form>
      </section>

      <section aria-labelledby="list">
        <h2 id="list" className="text-lg font-semibold">
          Your tokens
        </h2>
        {tokens.length === 0 ? (
          <div className="mt-3">
            <EmptyState icon="lock" title="No tokens yet">
              Create one above to call the API from your own app or scripts.
            </EmptyState>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100 rounded-2xl border border-slate-200 bg-white shadow-sm">
            {tokens.map((t) => {
              const state = t.revokedAt ? "revoked" : t.expiresAt !== null && t.expiresAt <= now ? "expired" : "active";
              return (
                <li key={t.id} className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between" data-testid="token-row">
                  <div className="min-w-0">
                    <p className="font-medium text-slate-900">
                      {t.name}{" "}
                      <span
                        className={`ml-1 rounded-full px-2 py-0.5 text-xs font-semibold ${state === "active" ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-600"}`}
                      >
                        {state}
                      </span>
                    </p>
                    <p className="mt-0.5 font-mono text-xs text-slate-500">{t.prefix}…</p>
                    <p className="mt-1 text-xs text-slate-600">{t.scopes.join(", ")}</p>
                    <p className="mt-1 text-xs text-slate-500">
                      Created {day(t.createdAt)} · {t.expiresAt ? `expires ${day(t.expiresAt)}` : "never expires"} ·{" "}
                      <span data-testid="last-used">{t.lastUsedAt ? `last used ${ago(t.lastUsedAt, now)}` : "never used"}</span>
                    </p>
                  </div>
                  {state === "active" ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="tokenId" value={t.id} />
                      <Button type="submit" variant="danger" disabled={busy} aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </Button>
                    </Form>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
