import { useEffect, useState } from "react";
import { Link } from "@remix-run/react";
import { formatInt } from "./data-table";
import type { ItemStats, ItemStatsKind } from "~/modules/analytics/items.server";

/**
 * The owner's own numbers for this item (last 30 days). Rendered only where the page already knows
 * the viewer is the owner, and filled from /dashboard/analytics/item.json in the browser — so the
 * public page, cached for everyone, never carries them.
 */
export function OwnerItemStats({ kind, id }: { kind: ItemStatsKind; id: string }) {
  const [stats, setStats] = useState<ItemStats | null | "error">(null);
  useEffect(() => {
    let live = true;
    fetch(`/dashboard/analytics/item.json?kind=${kind}&id=${encodeURIComponent(id)}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r): Promise<ItemStats | "error"> | "error" => (r.ok ? (r.json() as Promise<ItemStats>) : "error"))
      .catch((): "error" => "error")
      .then((s) => {
        if (live) setStats(s);
      });
    return () => {
      live = false;
    };
  }, [kind, id]);
  if (stats === "error") return null;
  const n = (x: number | null | undefined) => (x === null || x === undefined ? "—" : formatInt(x));
  const cells: { label: string; value: string }[] = stats
    ? [
        { label: "Views", value: n(stats.views) },
        { label: "Unique visitors", value: n(stats.uniques) },
        ...(stats.actionLabel ? [{ label: stats.actionLabel, value: n(stats.actions) }] : []),
        ...(stats.actionLabel ? [{ label: "Conversion", value: stats.conversion === null ? "—" : `${stats.conversion}%` }] : []),
      ]
    : [];
  return (
    <section
      aria-labelledby="owner-stats-h"
      aria-busy={stats === null}
      data-owner-stats
      className="rounded-2xl border border-brand-100 bg-brand-50/60 p-4 text-sm"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="owner-stats-h" className="font-semibold text-slate-900">
          Your stats <span className="font-normal text-slate-600">· last 30 days · only you see this</span>
        </h2>
        <Link to="/dashboard/analytics?range=30d" className="text-xs font-medium text-brand-700 hover:underline">
          All analytics
        </Link>
      </div>
      {stats === null ? (
        <p className="mt-2 text-slate-500">Loading your numbers…</p>
      ) : (
        <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
          {cells.map((c) => (
            <div key={c.label} className="rounded-xl bg-white p-3 shadow-sm ring-1 ring-slate-200">
              <dt className="text-xs uppercase tracking-wide text-slate-500">{c.label}</dt>
              <dd className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900">{c.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {stats && stats.views === 0 && !stats.actions ? (
        <p className="mt-2 text-xs text-slate-600">No visits yet — share the link to get some.</p>
      ) : null}
    </section>
  );
}
