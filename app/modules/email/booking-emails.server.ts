/**
 * Booking emails (services): the buyer's confirmation, the creator's new-booking alert, and the
 * refund notice for a payment that arrived after its time was given to someone else. Rendered from
 * the CURRENT rows, like every transactional email (D16). Times are shown in the buyer's booking
 * zone and in the creator's zone respectively, with the zone named.
 */
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { formatMoney } from "~/lib/money";
import { publicUrl } from "~/lib/public-url";
import { users } from "~/modules/identity/schema";
import { availability, bookings, servicePacks, services } from "~/modules/services/schema";
import { creators } from "~/modules/storefronts/schema";
import { renderBookingIcs } from "./booking-ics.server";
import { bookingManagePath } from "./tokens.server";
import { setPasswordLink } from "./set-password.server";
import { esc, layout, type Rendered } from "./templates.server";

type Out = { to: string; userId: string | null; rendered: Rendered };

/** The booking's .ics as an attachment (same UID; SEQUENCE and METHOD follow the booking), or none without a time. */
async function icsAttachment(env: Env, b: typeof bookings.$inferSelect) {
  const ics = await renderBookingIcs(env, b);
  if (!ics) return [];
  const method = /^METHOD:(\w+)/m.exec(ics)?.[1] ?? "PUBLISH";
  return [
    {
      filename: method === "CANCEL" ? "cancel.ics" : "invite.ics",
      contentType: `text/calendar; charset=utf-8; method=${method}`,
      content: ics,
    },
  ];
}

function withAttachments(r: Rendered, attachments: Rendered["attachments"]): Rendered {
  return attachments?.length ? { ...r, attachments } : r;
}

const when = (unix: number, zone: string) =>
  new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(unix * 1000));

function simple(d: {
  subject: string;
  heading: string;
  lines: string[];
  button?: [string, string];
  settingsUrl: string;
  creatorName: string;
  reason: string;
}): Rendered {
  const bodyHtml = `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3">${esc(d.heading)}</h1>${d.lines
    .map((l) => `<p style="margin:0 0 14px">${esc(l)}</p>`)
    .join("")}${
    d.button
      ? `<p style="margin:18px 0"><a href="${esc(d.button[0])}" style="display:inline-block;background:#6a3df5;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none;font-weight:600">${esc(d.button[1])}</a></p>`
      : ""
  }`;
  const bodyText = `${d.heading}\n\n${d.lines.join("\n\n")}${d.button ? `\n\n${d.button[1]}: ${d.button[0]}` : ""}`;
  return {
    subject: d.subject,
    ...layout({
      preheader: d.lines[0] ?? d.heading,
      bodyHtml,
      bodyText,
      settingsUrl: d.settingsUrl,
      reason: d.reason,
      creatorName: d.creatorName,
    }),
  };
}

async function facts(env: Env, bookingId: string) {
  const db = getDb(env);
  const b = await db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  if (!b) return null;
  const [s, c, buyer, creatorUser, av] = await Promise.all([
    db.query.services.findFirst({ where: eq(services.id, b.serviceId) }),
    db.query.creators.findFirst({ where: eq(creators.userId, b.creatorId) }),
    db.query.users.findFirst({ where: eq(users.id, b.buyerId), columns: { email: true, guestAt: true } }),
    db.query.users.findFirst({ where: eq(users.id, b.creatorId), columns: { email: true } }),
    db.query.availability.findFirst({ where: eq(availability.creatorId, b.creatorId), columns: { timeZone: true } }),
  ]);
  if (!s || !c || !buyer) return null;
  return {
    b,
    s,
    c,
    buyerEmail: buyer.email,
    buyerHasPassword: buyer.guestAt === null,
    /** How the creator sees the buyer: a guest's name with their email (D131), else the email. */
    buyerLabel: b.guestName ? `${b.guestName} (${buyer.email})` : buyer.email,
    creatorEmail: creatorUser?.email ?? null,
    creatorZone: av?.timeZone ?? "UTC",
  };
}

export async function renderBookingEmail(env: Env, kind: string, ref: Record<string, unknown>): Promise<Out | null> {
  const settingsUrl = publicUrl(env, "/settings/email");
  const reason = "You're getting this because of a booking on All Thrive.";
  if (ref.packId) {
    const db = getDb(env);
    const p = await db.query.servicePacks.findFirst({ where: eq(servicePacks.id, String(ref.packId)) });
    if (!p) throw new Error(`pack ${String(ref.packId)} not recorded yet`);
    const [s, c, buyer] = await Promise.all([
      db.query.services.findFirst({ where: eq(services.id, p.serviceId) }),
      db.query.creators.findFirst({ where: eq(creators.userId, p.creatorId) }),
      db.query.users.findFirst({ where: eq(users.id, p.buyerId), columns: { email: true } }),
    ]);
    if (!s || !c || !buyer) return null;
    return {
      to: buyer.email,
      userId: p.buyerId,
      rendered: simple({
        subject: `Your ${s.title} pack: ${p.sessionsTotal} sessions`,
        heading: `You have ${p.sessionsTotal} sessions of ${s.title}`,
        lines: [
          `Paid ${formatMoney(p.gross, p.currency)}. Book them one at a time from the service page; unused sessions expire on ${when(p.expiresAt, "UTC")}.`,
        ],
        button: [publicUrl(env, `/@${c.handle}/services/${s.slug}`), "Book a session"],
        settingsUrl,
        creatorName: c.displayName,
        reason,
      }),
    };
  }
  if (kind === "booking_reminder") {
    // Sent by the calendar object's alarm; the booking is found by its current hold (a moved booking's old reminders find nothing).
    const b = await getDb(env).query.bookings.findFirst({ where: eq(bookings.holdId, String(ref.holdId ?? "")) });
    if (!b || b.status !== "confirmed" || b.startAt === null) return null;
    const f = await facts(env, b.id);
    if (!f) return null;
    const toCreator = ref.to === "creator";
    if (toCreator && !f.creatorEmail) return null;
    const zone = toCreator ? f.creatorZone : (b.buyerTimeZone ?? f.creatorZone);
    const soon = ref.when === "1h" ? "in an hour" : "tomorrow";
    return {
      to: toCreator ? f.creatorEmail! : f.buyerEmail,
      userId: toCreator ? b.creatorId : b.buyerId,
      rendered: simple({
        subject: `Reminder: ${f.s.title} ${soon}`,
        heading: `${f.s.title} is ${soon}`,
        lines: [`${when(b.startAt, zone)} — ${toCreator ? f.buyerLabel : f.c.displayName}.`],
        button: toCreator
          ? [publicUrl(env, "/dashboard/services"), "Your bookings"]
          : b.guest
            ? [publicUrl(env, await bookingManagePath(env, b.id)), "Manage your booking"]
            : [publicUrl(env, "/library/bookings"), "Your bookings"],
        settingsUrl,
        creatorName: f.c.displayName,
        reason,
      }),
    };
  }
  const f = await facts(env, String(ref.bookingId ?? ""));
  if (!f) throw new Error(`booking ${String(ref.bookingId)} not recorded yet`);
  const { b, s, c } = f;
  const buyerZone = b.buyerTimeZone ?? f.creatorZone;
  const paid = b.gross > 0 ? ` Paid ${formatMoney(b.gross, b.currency)}.` : "";
  const location =
    s.locationKind === "in_person"
      ? `Where: ${s.locationDetail ?? ""}.`
      : s.locationKind === "video" && s.locationDetail
        ? `Video link: ${s.locationDetail}`
        : s.locationKind === "phone"
          ? "By phone."
          : "The creator will send the details.";
  const icsUrl = publicUrl(env, `/library/bookings/${b.id}.ics`);
  // The calendar file travels with every change (a link-mode booking or a fixed package has none).
  const ics = await icsAttachment(env, b);
  if (kind === "booking_canceled") {
    const toCreator = ref.to === "creator";
    if (toCreator && !f.creatorEmail) return null;
    const zone = toCreator ? f.creatorZone : buyerZone;
    const by = b.refundReason === "canceled_by_creator" ? c.displayName : toCreator ? f.buyerLabel : "you";
    const refund = ref.refunded ? ` The payment of ${formatMoney(b.gross, b.currency)} is refunded in full.` : "";
    return {
      to: toCreator ? f.creatorEmail! : f.buyerEmail,
      userId: toCreator ? b.creatorId : b.buyerId,
      rendered: withAttachments(
        simple({
          subject: `Canceled: ${s.title}`,
          heading: `Canceled: ${s.title}`,
          lines: [
            b.refundReason === "refunded_in_stripe"
              ? `${b.startAt !== null ? `The session on ${when(b.startAt, zone)}` : `The order of ${s.title}`} was refunded in full, so it is canceled.${b.startAt !== null ? " The time is free again." : ""}`
              : `${b.startAt !== null ? `The session on ${when(b.startAt, zone)}` : `Your order of ${s.title}`} was canceled by ${by}.${refund}`,
          ],
          button: toCreator
            ? [publicUrl(env, "/dashboard/services"), "Your bookings"]
            : [publicUrl(env, `/@${c.handle}/services/${s.slug}`), "Book another time"],
          settingsUrl,
          creatorName: c.displayName,
          reason,
        }),
        ics,
      ),
    };
  }
  if (kind === "booking_confirmed") {
    if (b.status !== "confirmed") return null;
    const link = s.schedulingUrl ? new URL(s.schedulingUrl) : null;
    link?.searchParams.set("email", f.buyerEmail);
    link?.searchParams.set("name", f.buyerEmail.split("@")[0]);
    const lines = link
      ? [
          `Paid for ${s.title} with ${c.displayName}.${paid}`,
          `Now pick your time on ${c.displayName}'s scheduling page: ${link.toString()}`,
        ]
      : b.startAt !== null
        ? [
            `${when(b.startAt, buyerZone)} with ${c.displayName}.${paid}`,
            location,
            `Add it to your calendar: ${b.guest ? publicUrl(env, `${await bookingManagePath(env, b.id)}/ics`) : icsUrl}`,
          ]
        : [`${c.displayName} will deliver it by ${when(b.dueAt ?? b.createdAt, buyerZone)}.${paid}`];
    // A guest (D131) manages the booking through its signed link; an account without a password yet
    // also gets a link that sets one and opens the library, where the booking is listed too.
    if (b.guest) {
      lines.push("Cancel or move it (within the creator's policy) from the link below — no account needed.");
      if (!f.buyerHasPassword)
        lines.push(
          `Want all your bookings in one library? Set a password (the link works once, for 7 days): ${publicUrl(env, `/reset-password/${await setPasswordLink(env, b.buyerId)}`)}`,
        );
    }
    return {
      to: f.buyerEmail,
      userId: b.buyerId,
      rendered: withAttachments(
        simple({
          subject: ref.moved ? `Moved: ${s.title}` : `Booked: ${s.title}`,
          heading: ref.moved ? `Your session moved: ${s.title}` : `You're booked: ${s.title}`,
          lines,
          button: b.guest
            ? [publicUrl(env, await bookingManagePath(env, b.id)), "Manage your booking"]
            : [publicUrl(env, "/library/bookings"), "Your bookings"],
          settingsUrl,
          creatorName: c.displayName,
          reason,
        }),
        ics,
      ),
    };
  }
  if (kind === "booking_new") {
    if (!f.creatorEmail || b.status !== "confirmed") return null;
    const answers = b.answers.map((a) => `${a.label}: ${a.answer}`);
    const lines = [
      b.startAt !== null
        ? `${when(b.startAt, f.creatorZone)} — ${f.buyerLabel}.${paid}`
        : `Due ${when(b.dueAt ?? b.createdAt, f.creatorZone)} — ${f.buyerLabel}.${paid}`,
      ...answers,
    ];
    return {
      to: f.creatorEmail,
      userId: b.creatorId,
      rendered: withAttachments(
        simple({
          subject: ref.moved ? `Booking moved: ${s.title}` : `New booking: ${s.title}`,
          heading: ref.moved ? `Booking moved: ${s.title}` : `New booking: ${s.title}`,
          lines,
          button: [publicUrl(env, "/dashboard/services"), "Your bookings"],
          settingsUrl,
          creatorName: c.displayName,
          reason,
        }),
        ics,
      ),
    };
  }
  if (kind === "booking_delivered") {
    if (b.status !== "delivered") return null;
    return {
      to: f.buyerEmail,
      userId: b.buyerId,
      rendered: simple({
        subject: `Delivered: ${s.title}`,
        heading: `${c.displayName} delivered ${s.title}`,
        lines: [
          `Your order of ${s.title} is delivered.`,
          ...(b.deliveryNote ? [`${c.displayName} wrote: ${b.deliveryNote}`] : []),
          ...(b.deliveryUrl ? [`The deliverable: ${b.deliveryUrl}`] : []),
        ],
        button: [publicUrl(env, "/library/bookings"), "Your orders"],
        settingsUrl,
        creatorName: c.displayName,
        reason,
      }),
    };
  }
  // booking_refunded
  if (b.status !== "refunded") return null;
  return {
    to: f.buyerEmail,
    userId: b.buyerId,
    rendered: simple({
      subject: `Refunded: ${s.title}`,
      heading: "That time was taken before your payment arrived",
      lines: [
        `Your payment for ${s.title}${b.startAt !== null ? ` on ${when(b.startAt, buyerZone)}` : ""} reached us after the time we were holding for you had run out, and someone else booked it meanwhile.`,
        `We refunded the full ${formatMoney(b.gross, b.currency)} to your card (banks usually take 5–10 days to show it). Please choose another time.`,
      ],
      button: [publicUrl(env, `/@${c.handle}/services/${s.slug}`), "Choose another time"],
      settingsUrl,
      creatorName: c.displayName,
      reason,
    }),
  };
}
