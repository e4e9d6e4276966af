import { useFetcher } from "@remix-run/react";

type Failure = { ok: false; formError: string; fieldErrors: Record<string, string> };

/**
 * The quarterly creator survey on the dashboard (decision 0122): one question, 0–10 and an optional
 * comment. "Not now" closes it for the quarter too. Works without JavaScript (a plain POST that
 * redirects back); with it, errors show in place.
 */
export function NpsSurvey() {
  const fetcher = useFetcher<Failure>();
  const busy = fetcher.state !== "idle";
  const error = fetcher.data && fetcher.data.ok === false ? fetcher.data.formError : null;
  return (
    <section aria-labelledby="nps-h" className="rounded-2xl border border-brand-200 bg-gradient-to-br from-brand-50 to-white p-5 shadow-sm">
      <fetcher.Form method="post" action="/dashboard/nps" className="space-y-4">
        <fieldset>
          <legend id="nps-h" className="text-base font-semibold text-slate-900">
            How likely are you to recommend All Thrive to another creator?
          </legend>
          <p className="mt-1 text-sm text-slate-600">One question, once a quarter. 0 is not at all likely, 10 is extremely likely.</p>
          <div className="mt-3 flex flex-wrap gap-1.5">
            {Array.from({ length: 11 }, (_, n) => (
              <label key={n} className="relative">
                <input type="radio" name="score" value={n} className="peer sr-only" required />
                <span className="flex h-10 w-10 cursor-pointer items-center justify-center rounded-lg bg-white text-sm font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-brand-50 peer-checked:bg-brand-600 peer-checked:text-white peer-checked:ring-brand-600 peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand-600">
                  {n}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <div>
          <label htmlFor="nps-comment" className="block text-sm font-medium text-slate-700">
            What's the main reason for your score? <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <textarea
            id="nps-comment"
            name="comment"
            rows={2}
            maxLength={1000}
            className="mt-1 w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
          />
        </div>
        {error ? (
          <p id="nps-err" role="alert" className="text-sm text-rose-700">
            {error}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <button
            type="submit"
            name="intent"
            value="answer"
            disabled={busy}
            className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700 disabled:opacity-60"
          >
            Send answer
          </button>
          <button
            type="submit"
            name="intent"
            value="dismiss"
            formNoValidate
            disabled={busy}
            className="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-60"
          >
            Not now
          </button>
        </div>
      </fetcher.Form>
    </section>
  );
}
