/**
 * The `.ics` of a booking (ical-generator), rendered here because the booking emails attach it and
 * the email module must not import services (which sends through email; decision 0056's graph); the
 * library's download (services/ics.server.ts) uses the same renderer. The event's UID is the booking
 * id, so every version of a booking (moved, canceled) replaces the same calendar entry; SEQUENCE
 * grows by one with every move or cancellation, and a canceled booking is sent as METHOD:CANCEL with
 * STATUS:CANCELLED. Times are UTC instants (`…Z`): calendars show them in the reader's own zone.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from "ical-generator";
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { publicUrl } from "~/lib/public-url";
import { bookings, services } from "~/modules/services/schema";
import { creators } from "~/modules/storefronts/schema";

export const icsUid = (bookingId: string) => `booking-${bookingId}@allthrive.app`;

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
