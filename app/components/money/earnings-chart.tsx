/**
 * Gross sales by month as simple bars (an SVG rect per month, scaled in CSS so the labels stay
 * readable at any width), with the numbers in text too for screen readers.
 */
export function EarningsChart({
  chart,
  currency,
}: {
  chart: { month: string; label: string; gross: number; grossLabel: string }[];
  currency: string;
}) {
  const max = Math.max(1, ...chart.map((c) => c.gross));
  return (
    <figure className="w-full">
      <div
        role="img"
        aria-label={`Gross sales per month in ${currency.toUpperCase()}: ${chart.map((c) => `${c.label} ${c.grossLabel}`).join(", ")}`}
        className="flex h-48 items-end gap-2 border-b border-slate-200 sm:gap-4"
      >
        {chart.map((c) => {
          const pct = c.gross ? Math.max(3, Math.round((c.gross / max) * 100)) : 0;
          return (
            <div key={c.month} className="flex h-full flex-1 flex-col items-center justify-end gap-1" aria-hidden="true">
              {c.gross ? <span className="text-[11px] font-medium tabular-nums text-slate-600 sm:text-xs">{c.grossLabel}</span> : null}
              <svg viewBox="0 0 10 100" preserveAspectRatio="none" className="w-full max-w-14" style={{ height: `${pct}%` }}>
                <rect x="0" y="0" width="10" height="100" rx="1.5" className="fill-brand-500" />
              </svg>
            </div>
          );
        })}
      </div>
      <div className="mt-1 flex gap-2 sm:gap-4" aria-hidden="true">
        {chart.map((c) => (
          <span key={c.month} className="flex-1 text-center text-xs text-slate-500">
            {c.label}
          </span>
        ))}
      </div>
      <figcaption className="sr-only">Gross sales per month, last six months.</figcaption>
    </figure>
  );
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone: Record<string, string> = {
    paid: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    active: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    trialing: "bg-sky-50 text-sky-800 ring-sky-200",
    published: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    past_due: "bg-amber-50 text-amber-800 ring-amber-200",
    paused: "bg-amber-50 text-amber-800 ring-amber-200",
    draft: "bg-slate-100 text-slate-700 ring-slate-200",
    archived: "bg-slate-100 text-slate-700 ring-slate-200",
    refunded: "bg-rose-50 text-rose-800 ring-rose-200",
    disputed: "bg-rose-50 text-rose-800 ring-rose-200",
    canceled: "bg-slate-100 text-slate-700 ring-slate-200",
  };
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${tone[status] ?? "bg-slate-100 text-slate-700 ring-slate-200"}`}
    >
      {label ?? status.replace("_", " ")}
    </span>
  );
}
