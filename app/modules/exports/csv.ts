/**
 * CSV for spreadsheets, safe against formula injection: a cell that starts with = + - @ (or a tab or
 * carriage return, which some spreadsheets skip before reading a formula) gets a leading apostrophe,
 * so it is shown as text and never evaluated. Every cell is quoted; quotes are doubled.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
