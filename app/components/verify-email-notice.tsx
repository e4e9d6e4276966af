import { useFetcher } from "@remix-run/react";
import { useViewer } from "~/root";

/**
 * Shown where an unverified person tries to open a storefront, sell or write (D61): what to do,
 * and a "Resend link" button (throttled on the server). Renders nothing once the address is proven.
 */
export function VerifyEmailNotice({ action = "do this" }: { action?: string }) {
  const viewer = useViewer();
  const fetcher = useFetcher<{ ok: true; message: string } | { error: string }>();
  if (!viewer || viewer.emailVerified !== false) return null;
  const answer = fetcher.data;
  return (
    <div
      role="status"
      data-testid="verify-email-notice"
      className="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950"
    >
      <p className="font-semibold">{`Confirm your email address to ${action}.`}</p>
      <p className="mt-1">
        We emailed a confirmation link to <span className="font-medium">{viewer.email}</span>. Until you click it you can browse, follow and
        buy, but not open a storefront, sell or write posts.
      </p>
      <fetcher.Form method="post" action="/verify-email/resend" className="mt-3 flex flex-wrap items-center gap-3">
        <button
          type="submit"
          disabled={fetcher.state !== "idle"}
          className="rounded-lg bg-amber-900 px-3 py-1.5 font-semibold text-white hover:bg-amber-800 disabled:opacity-60"
        >
          {fetcher.state !== "idle" ? "Sending…" : "Resend link"}
        </button>
        {answer ? <span role="alert">{"message" in answer ? answer.message : answer.error}</span> : null}
      </fetcher.Form>
    </div>
  );
}
