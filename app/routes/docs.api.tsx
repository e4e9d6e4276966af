import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { apiReference } from "~/modules/api/reference.server";

export const meta: MetaFunction = () => [
  { title: "API reference — All Thrive" },
  { name: "description", content: "The All Thrive REST API: tokens, endpoints, errors, rate limits, license keys and entitlements." },
];

export function loader({ context }: LoaderFunctionArgs) {
  return apiReference(context.cloudflare.env);
}

const METHOD_COLORS: Record<string, string> = {
  GET: "bg-sky-100 text-sky-800",
  POST: "bg-emerald-100 text-emerald-800",
  PATCH: "bg-amber-100 text-amber-800",
  PUT: "bg-violet-100 text-violet-800",
  DELETE: "bg-rose-100 text-rose-800",
};

/** Server-rendered from /api/v1/openapi.json (decision 0096). */
export default function ApiReference() {
  const { baseUrl, groups, curl } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-4xl space-y-10">
      <header>
        <h1 className="text-3xl font-bold tracking-tight">All Thrive API</h1>
        <p className="mt-2 text-slate-600">
          JSON over HTTPS at <code className="rounded bg-slate-100 px-1.5 py-0.5 text-sm">{baseUrl}</code>. The machine-readable{" "}
          <a href="/api/v1/openapi.json" className="font-semibold text-brand-700 hover:underline">
            OpenAPI 3.1 document
          </a>{" "}
          is the source of this page — generate a typed client from it.
        </p>
      </header>

      <section aria-labelledby="start" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="start" className="text-xl font-semibold">
          Getting started
        </h2>
        <ol className="mt-3 list-decimal space-y-2 pl-5 text-slate-700">
          <li>
            Create a personal access token in{" "}
            <Link to="/settings/tokens" className="font-semibold text-brand-700 hover:underline">
              Settings → API tokens
            </Link>{" "}
            with the permissions you need. It is shown once.
          </li>
          <li>
            Send it as <code className="rounded bg-slate-100 px-1">Authorization: Bearer at_pat_…</code> on every request.
          </li>
        </ol>
        <pre className="mt-4 overflow-x-auto rounded-lg bg-slate-900 p-4 text-sm text-slate-100">
          <code>{curl}</code>
        </pre>
        <h3 className="mt-5 font-semibold">Errors, retries and limits</h3>
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700">
          <li>
            Errors are <code>application/problem+json</code> (RFC 9457): <code>status</code>, <code>title</code>, <code>detail</code>, and{" "}
            <code>errors</code> per field for 422.
          </li>
          <li>
            POST requests accept <code>Idempotency-Key</code>: a retry with the same key returns the stored response (header{" "}
            <code>Idempotent-Replayed: true</code>) for 24 hours and never creates twice.
          </li>
          <li>
            Each token may make a fixed number of requests per minute; every answer carries <code>RateLimit-Limit</code>,{" "}
            <code>RateLimit-Remaining</code>, <code>RateLimit-Reset</code>; over the limit you get 429 with <code>Retry-After</code>.
          </li>
          <li>
            Only the <code>/public/…</code> endpoints answer cross-origin (CORS) requests from browsers; keep tokens on your server.
          </li>
        </ul>
      </section>

      <nav aria-label="Endpoint groups" className="flex flex-wrap gap-2">
        {groups.map((g) => (
          <a
            key={g.tag}
            href={`#${g.tag.toLowerCase()}`}
            className="rounded-full bg-slate-100 px-3 py-1 text-sm font-medium hover:bg-slate-200"
          >
            {g.tag}
          </a>
        ))}
      </nav>

      {groups.map((g) => (
        <section key={g.tag} aria-labelledby={g.tag.toLowerCase()} className="space-y-4">
          <h2 id={g.tag.toLowerCase()} className="text-2xl font-semibold">
            {g.tag}
          </h2>
          {g.operations.map((op) => (
            <article key={op.id} id={op.id} className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
              <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
                <span className={`rounded px-2 py-0.5 text-xs font-bold ${METHOD_COLORS[op.method] ?? "bg-slate-100"}`}>{op.method}</span>
                <span className="break-all text-slate-900">{op.path}</span>
              </h3>
              <p className="mt-2 text-slate-700">{op.summary}</p>
              <p className="mt-1 text-xs text-slate-500">
                {op.scope === "public" ? "No token needed." : op.scope ? `Scope: ${op.scope}` : "Any valid token."}
              </p>
              {op.params.length ? (
                <dl className="mt-3 grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
                  {op.params.map((p) => (
                    <div key={p.name} className="contents">
                      <dt className="font-mono text-slate-800">
                        {p.name}
                        {p.required ? <span className="text-rose-700">*</span> : null}{" "}
                        <span className="text-xs text-slate-500">({p.in})</span>
                      </dt>
                      <dd className="text-slate-600">{p.description}</dd>
                    </div>
                  ))}
                </dl>
              ) : null}
              {op.body.length ? (
                <details className="mt-3">
                  <summary className="cursor-pointer text-sm font-medium text-slate-800">JSON body fields</summary>
                  <ul className="mt-2 space-y-1 text-sm">
                    {op.body.map((f) => (
                      <li key={f.name}>
                        <code className="text-slate-900">{f.name}</code>
                        {f.required ? <span className="text-rose-700">*</span> : null} <span className="text-slate-500">{f.type}</span>
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
              {op.uploadTypes.length ? (
                <p className="mt-3 text-sm text-slate-600">
                  Body: the file itself, as <span className="font-mono">{op.uploadTypes.join(", ")}</span>
                </p>
              ) : null}
              <p className="mt-3 text-sm text-slate-600">
                Returns <span className="font-mono">{op.returns}</span>
              </p>
            </article>
          ))}
        </section>
      ))}
    </div>
  );
}
