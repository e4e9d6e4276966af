/** Gross sales by month as simple SVG bars, with the numbers in text too (screen readers, print). */
export function EarningsChart({ chart, currency }: { chart: { month: string; label: string; gross: number; grossLabel: string }[]; currency: string }) {
  const max = Math.max(1, ...chart.map((c) => c.gross));
  const w = 320, h = 140, pad = 22, bw = (w - pad) / chart.length - 10;
  return (
    <figure className="w-full">
      <svg viewBox={`0 0 ${w} ${h + 28}`} className="h-auto w-full" role="img" aria-label={`Gross sales per month in ${currency.toUpperCase()}: ${chart.map((c) => `${c.label} ${c.grossLabel}`).join(", ")}`}>
        <line x1={0} y1={h} x2={w} y2={h} stroke="#e2e8f0" />
        {chart.map((c, i) => {
          const bh = Math.round((c.gross / max) * (h - 24));
          const x = pad / 2 + i * ((w - pad) / chart.length) + 5;
          return (
            <g key={c.month}>
              <rect x={x} y={h - bh} width={bw} height={Math.max(bh, c.gross ? 2 : 0)} rx={4} className="fill-brand-500" />
              {c.gross ? <text x={x + bw / 2} y={h - bh - 6} textAnchor="middle" className="fill-slate-600" fontSize="10">{c.grossLabel}</text> : null}
              <text x={x + bw / 2} y={h + 16} textAnchor="middle" className="fill-slate-500" fontSize="11">{c.label}</text>
            </g>
          );
        })}
      </svg>
      <figcaption className="sr-only">Gross sales per month, last six months.</figcaption>
    </figure>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const tone: Record<string, string> = {
    paid: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    active: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    trialing: "bg-sky-50 text-sky-800 ring-sky-200",
    published: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    past_due: "bg-amber-50 text-amber-800 ring-amber-200",
    draft: "bg-slate-100 text-slate-700 ring-slate-200",
    archived: "bg-slate-100 text-slate-700 ring-slate-200",
    refunded: "bg-rose-50 text-rose-800 ring-rose-200",
    disputed: "bg-rose-50 text-rose-800 ring-rose-200",
    canceled: "bg-slate-100 text-slate-700 ring-slate-200",
  };
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${tone[status] ?? "bg-slate-100 text-slate-700 ring-slate-200"}`}>{status.replace("_", " ")}</span>;
}
