import { formatMoney } from "~/lib/money";

/**
 * Whole numbers as "12,345". One shared formatter: `n.toLocaleString("en-US")` builds a new
 * Intl.NumberFormat on every call (~100× slower), which on the analytics pages' hundreds of cells
 * was a large part of the server render.
 */
const intFormat = new Intl.NumberFormat("en-US");
export const formatInt = (n: number) => intFormat.format(n);

export type Column = { key: string; label: string; type: "text" | "int" | "money" | "pct" };
export type Table = { title: string; columns: Column[]; rows: (string | number | null)[][] };

export function formatCell(cell: string | number | null, type: Column["type"], currency: string): string {
  if (cell === null) return "—";
  if (type === "money" && typeof cell === "number") return formatMoney(cell, currency);
  if (type === "pct" && typeof cell === "number") return `${cell}%`;
  if (type === "int" && typeof cell === "number") return formatInt(cell);
  return String(cell);
}

/** One analytics table with its CSV link; `empty` is said when it has no rows. */
export function DataTable({
  name,
  table,
  currency,
  csvHref,
  empty,
}: {
  name: string;
  table: Table;
  currency: string;
  csvHref?: string;
  empty: string;
}) {
  const cur = table.columns.findIndex((c) => c.key === "currency");
  return (
    <div className="min-w-0 space-y-2">
      <div className="flex items-center justify-between gap-3">
        <h3 className="text-sm font-semibold text-slate-800">{table.title}</h3>
        {csvHref ? (
          <a
            href={csvHref}
            download={`${name}.csv`}
            className="rounded-md px-2 py-1 text-xs font-medium text-brand-700 ring-1 ring-brand-200 hover:bg-brand-50"
            aria-label={`Download ${table.title} as CSV`}
          >
            CSV
          </a>
        ) : null}
      </div>
      {table.rows.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 bg-slate-50 p-4 text-sm text-slate-600">{empty}</p>
      ) : (
        <div className="max-h-96 overflow-auto rounded-xl border border-slate-200 bg-white">
          <table className="w-full min-w-max text-left text-sm" data-table={name}>
            <caption className="sr-only">{table.title}</caption>
            <thead className="sticky top-0 bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                {table.columns.map((c) => (
                  <th key={c.key} scope="col" className={`px-3 py-2 ${c.type === "text" ? "" : "text-right"}`}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {table.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((cell, j) => (
                    <td key={j} className={`px-3 py-1.5 ${table.columns[j].type === "text" ? "" : "text-right tabular-nums"}`}>
                      {formatCell(cell, table.columns[j].type, cur >= 0 ? String(r[cur]) : currency)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
