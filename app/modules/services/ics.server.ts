/**
 * `.ics` files of bookings, for their buyer and creator (rendered by email/booking-ics.server.ts, which
 * the booking emails attach). The event's UID is the booking id, so every version of
 * a booking (moved, canceled) replaces the same calendar entry; SEQUENCE grows by one with every
 * move or cancellation, and a canceled booking is sent as METHOD:CANCEL with
 * STATUS:CANCELLED. Times are UTC instants (`…Z`): calendars show them in the reader's own zone.
 */
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { notFound } from "~/lib/errors";
import type { Viewer } from "~/modules/identity/auth.server";
import { renderBookingIcs } from "~/modules/email/booking-ics.server";
import { bookings } from "./schema";

/** The booking's calendar file, for its buyer or its creator only (others: 404). */
export async function bookingIcs(env: Env, viewer: Viewer, bookingId: string): Promise<string> {
  const db = getDb(env);
  const b = await db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  if (!b || (b.buyerId !== viewer.id && b.creatorId !== viewer.id) || b.startAt === null || b.endAt === null)
    throw notFound("That booking isn't yours.");
  if (!["confirmed", "canceled", "refunded"].includes(b.status)) throw notFound("That booking isn't confirmed.");
  const ics = await renderBookingIcs(env, b);
  if (!ics) throw notFound("That booking has no time.");
  return ics;
}

const compact = (unix: number) =>
  new Date(unix * 1000)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/** "Add to Google Calendar" and "Add to Outlook" links of a session. */
export function addToCalendarLinks(title: string, startAt: number, endAt: number) {
  const google = new URL("https://calendar.google.com/calendar/render");
  google.searchParams.set("action", "TEMPLATE");
  google.searchParams.set("text", title);
  google.searchParams.set("dates", `${compact(startAt)}/${compact(endAt)}`);
  const outlook = new URL("https://outlook.live.com/calendar/0/deeplink/compose");
  outlook.searchParams.set("subject", title);
  outlook.searchParams.set("startdt", new Date(startAt * 1000).toISOString());
  outlook.searchParams.set("enddt", new Date(endAt * 1000).toISOString());
  return { google: google.toString(), outlook: outlook.toString() };
}
