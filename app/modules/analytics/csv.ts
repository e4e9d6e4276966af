/**
 * CSV of one analytics table, built from the very rows the page shows. Money cells are minor units
 * in the data and plain decimals here ("12.34", in the row's currency); numbers are written bare (a
 * negative net is a number, not a formula), text goes through the formula-safe `csvCell`.
 */
import { toMajorString } from "~/lib/money";
import { csvCell } from "~/modules/exports/csv";
import type { Cell, Table } from "./service.server";

export function tableCsv(table: Table, fallbackCurrency: string): string {
  const cur = table.columns.findIndex((c) => c.key === "currency");
  const lines = [table.columns.map((c) => csvCell(c.label)).join(",")];
  for (const row of table.rows) {
    const currency = cur >= 0 ? String(row[cur]) : fallbackCurrency;
    lines.push(row.map((cell: Cell, i) => formatCsvCell(cell, table.columns[i].type, currency)).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

function formatCsvCell(cell: Cell, type: string, currency: string): string {
  if (cell === null) return "";
  if (typeof cell === "number") return type === "money" ? toMajorString(cell, currency) : String(cell);
  return csvCell(cell);
}
