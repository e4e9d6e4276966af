/** The change policy (client-safe): a buyer may cancel with a full refund, or move a booking, until this long before it starts. */
export const FREE_CHANGE_HOURS = 24;

/** The creator's window (their availability's `change_window_hours`), or the default. */
export const changeWindowOf = (rules: { changeWindowHours?: number } | null | undefined) => rules?.changeWindowHours ?? FREE_CHANGE_HOURS;

/** The policy in one sentence, shown to the buyer before paying and in their library. */
export function policySentence(hours: number): string {
  if (hours === 0) return "You can cancel with a full refund, or move your booking, any time before it starts.";
  const span = hours % 24 === 0 && hours >= 48 ? `${hours / 24} days` : `${hours} hour${hours === 1 ? "" : "s"}`;
  return `Free cancellation (full refund) or rescheduling until ${span} before the session. Later, it can't be moved and canceling isn't refunded.`;
}
