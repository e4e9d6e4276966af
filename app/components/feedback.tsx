import { useFetcher } from "@remix-run/react";
import type { FormFailure } from "~/lib/http.server";

/** The upvote button of a feedback item (one vote per person; the server answers the exact count). */
export function VoteButton({
  itemId,
  votes,
  voted,
  signedIn,
  action,
}: {
  itemId: string;
  votes: number;
  voted: boolean;
  signedIn: boolean;
  action?: string;
}) {
  const f = useFetcher<{ ok: true; votes: number; voted: boolean } | FormFailure>();
  const now = f.data && f.data.ok ? f.data : { votes, voted };
  return (
    <f.Form method="post" action={action} className="shrink-0 text-center">
      <input type="hidden" name="intent" value={now.voted ? "unvote" : "vote"} />
      <input type="hidden" name="itemId" value={itemId} />
      <button
        type="submit"
        disabled={!signedIn || f.state !== "idle"}
        aria-pressed={now.voted}
        aria-label={now.voted ? "Remove your upvote" : "Upvote"}
        data-vote={itemId}
        className={`flex w-14 flex-col items-center rounded-xl px-2 py-1.5 text-sm ring-1 ${now.voted ? "bg-brand-50 text-brand-800 ring-brand-400" : "bg-white text-slate-700 ring-slate-200"}`}
      >
        <span aria-hidden="true">▲</span>
        <span className="font-semibold tabular-nums" data-votes>
          {now.votes}
        </span>
      </button>
      {f.data && !f.data.ok ? (
        <p role="alert" className="mt-1 w-24 text-xs text-red-700">
          {f.data.formError}
        </p>
      ) : null}
    </f.Form>
  );
}
