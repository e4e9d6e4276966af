/** The change policy (client-safe): a buyer may cancel with a full refund, or move a booking, until this long before it starts. */
export const FREE_CHANGE_HOURS = 24;
