/**
 * `.ics` files of bookings (ical-generator). The event's UID is the booking id, so every version of
 * a booking (moved, canceled) replaces the same calendar entry; SEQUENCE grows by one with every
 * move or cancellation, and a canceled booking is sent as METHOD:CANCEL with
 * STATUS:CANCELLED. Times are UTC instants (`…Z`): calendars show them in the reader's own zone.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from "ical-generator";
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { notFound } from "~/lib/errors";
import { publicUrl } from "~/lib/public-url";
import type { Viewer } from "~/modules/identity/auth.server";
import { creators } from "~/modules/storefronts/schema";
import { bookings, services } from "./schema";

export const icsUid = (bookingId: string) => `booking-${bookingId}@allthrive.app`;

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

/**
 * The calendar file of a booking with a time (confirmed → PUBLISH; canceled / refunded → CANCEL),
 * for the pages above and for email attachments; null for a booking without a time.
 */
export async function renderBookingIcs(env: Env, b: typeof bookings.$inferSelect): Promise<string | null> {
  if (b.startAt === null || b.endAt === null) return null;
  const db = getDb(env);
  const [s, c] = await Promise.all([
    db.query.services.findFirst({ where: eq(services.id, b.serviceId) }),
    db.query.creators.findFirst({ where: eq(creators.userId, b.creatorId) }),
  ]);
  const canceled = b.status !== "confirmed";
  const cal = ical({
    prodId: { company: "All Thrive", product: "Bookings", language: "EN" },
    method: canceled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH,
  });
  const location =
    s?.locationKind === "in_person"
      ? s.locationDetail
      : s?.locationKind === "video"
        ? (s.locationDetail ?? "Video call (link from the creator)")
        : s?.locationKind === "phone"
          ? "Phone call"
          : null;
  cal.createEvent({
    id: icsUid(b.id),
    sequence: b.sequence,
    start: new Date(b.startAt * 1000),
    end: new Date(b.endAt * 1000),
    stamp: new Date(b.updatedAt * 1000),
    summary: `${s?.title ?? "Session"} with ${c?.displayName ?? "a creator"}`,
    description: `Booked on All Thrive. Your bookings: ${publicUrl(env, "/library/bookings")}`,
    location,
    url: publicUrl(env, "/library/bookings"),
    status: canceled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return cal.toString();
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
