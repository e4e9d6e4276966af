import { Form, useFetcher, useLocation } from "@remix-run/react";
import { useEffect, useState } from "react";

const COUNT = new Intl.NumberFormat("en-US");

/** `pending`: the follow state is still on its way (a shared page, decision 55): the button waits. */
type Props = { handle: string; following: boolean; count: number; signedIn: boolean; isSelf?: boolean; pending?: boolean };

/**
 * Follow / unfollow. Without JavaScript it is a plain form that redirects back here; with it, a
 * fetcher posts in the background and the button and count change immediately (optimistic), then
 * settle on the server's answer.
 */
export function FollowButton({ handle, following, count, signedIn, isSelf, pending }: Props) {
  const fetcher = useFetcher<{ following?: boolean; count?: number; error?: string }>();
  const location = useLocation();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  let shownFollowing = fetcher.data?.following ?? following;
  let shownCount = fetcher.data?.count ?? count;
  if (fetcher.formData) {
    const want = fetcher.formData.get("intent") === "follow";
    if (want !== shownFollowing) shownCount += want ? 1 : -1;
    shownFollowing = want;
  }
  const countText = `${COUNT.format(shownCount)} ${shownCount === 1 ? "follower" : "followers"}`;
  const countEl = (
    <a href={`/@${handle}/followers`} className="text-sm font-medium text-slate-600 hover:text-slate-900" data-testid="follower-count">
      {countText}
    </a>
  );
  if (isSelf) return <div className="flex items-center gap-3">{countEl}</div>;
  const redirectTo = location.pathname + location.search;
  const button = (
    <button
      type="submit"
      name="intent"
      value={shownFollowing ? "unfollow" : "follow"}
      aria-pressed={shownFollowing}
      disabled={pending}
      aria-busy={pending || undefined}
      className={`rounded-lg px-4 py-2 text-sm font-semibold shadow-sm transition ${shownFollowing ? "bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50" : "bg-brand-600 text-white hover:bg-brand-700"}`}
    >
      {shownFollowing ? "Following" : "Follow"}
    </button>
  );
  if (!signedIn) {
    return (
      <div className="flex items-center gap-3">
        <Form method="get" action="/login">
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">
            Follow
          </button>
        </Form>
        {countEl}
      </div>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-3">
      <fetcher.Form method="post" action={`/@${handle}/follow`}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        {hydrated ? <input type="hidden" name="js" value="1" /> : null}
        {button}
      </fetcher.Form>
      {countEl}
      {fetcher.data?.error ? (
        <p role="alert" className="w-full text-sm text-red-700">
          {fetcher.data.error}
        </p>
      ) : null}
    </div>
  );
}
