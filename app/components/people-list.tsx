import { Link } from "@remix-run/react";
import { formatMonthYear } from "~/lib/dates";
import { Avatar } from "./avatar";
import { EmptyState } from "./empty-state";

export type Person = { userId: string; handle: string | null; displayName: string | null; avatarUrl: string | null; since: number };

/** Followers / following lists: creators link to their storefront, members stay anonymous. */
export function PeopleList({
  people,
  empty,
  nextHref,
  badCursor,
}: {
  people: Person[];
  empty: string;
  nextHref: string | null;
  badCursor: boolean;
}) {
  if (badCursor)
    return (
      <EmptyState icon="refresh" title="That page link has expired">
        Start again from{" "}
        <Link className="font-semibold text-brand-700 underline" to="?">
          the first page
        </Link>
        .
      </EmptyState>
    );
  if (!people.length) return <EmptyState icon="users" title={empty} />;
  return (
    <div className="space-y-4">
      <ul className="divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white">
        {people.map((p) => (
          <li key={p.userId} className="flex items-center gap-3 px-4 py-3">
            <Avatar url={p.avatarUrl} name={p.displayName ?? "Member"} size={40} />
            <div className="min-w-0 flex-1">
              {p.handle ? (
                <Link to={`/@${p.handle}`} className="font-medium text-slate-900 hover:underline">
                  {p.displayName}
                </Link>
              ) : (
                <span className="font-medium text-slate-700">An All Thrive member</span>
              )}
              {p.handle ? <p className="text-sm text-slate-500">@{p.handle}</p> : null}
            </div>
            <time className="text-xs text-slate-500" dateTime={new Date(p.since * 1000).toISOString()}>
              since {formatMonthYear(p.since)}
            </time>
          </li>
        ))}
      </ul>
      {nextHref ? (
        <Link
          to={nextHref}
          className="inline-block rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
        >
          More
        </Link>
      ) : null}
    </div>
  );
}

type PeoplePageData = { creator: { handle: string; displayName: string }; people: Person[]; nextCursor: string | null; badCursor: boolean };

/** The whole /@handle/followers and /@handle/following page. */
export function PeoplePage({ which, data }: { which: "followers" | "following"; data: PeoplePageData }) {
  const { creator, people, nextCursor, badCursor } = data;
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div>
        <Link to={`/@${creator.handle}`} className="text-sm font-medium text-brand-700 hover:underline">
          ← {creator.displayName}
        </Link>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">
          {which === "followers" ? `People following ${creator.displayName}` : `Creators ${creator.displayName} follows`}
        </h1>
        <nav className="mt-3 flex gap-4 text-sm" aria-label="Follow lists">
          <Link
            to={`/@${creator.handle}/followers`}
            aria-current={which === "followers" ? "page" : undefined}
            className="font-medium text-slate-700 hover:underline"
          >
            Followers
          </Link>
          <Link
            to={`/@${creator.handle}/following`}
            aria-current={which === "following" ? "page" : undefined}
            className="font-medium text-slate-700 hover:underline"
          >
            Following
          </Link>
        </nav>
      </div>
      <PeopleList
        people={people}
        badCursor={badCursor}
        empty={which === "followers" ? "No followers yet." : "Not following anyone yet."}
        nextHref={nextCursor ? `?cursor=${nextCursor}` : null}
      />
    </div>
  );
}
