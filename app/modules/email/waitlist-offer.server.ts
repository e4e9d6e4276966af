/**
 * The email for a seat offered from a tier's waitlist (D132). Sent once per offer (the key is the
 * offer's hold), only while the offer is still open and still the recipient's. Members with a
 * password follow their email preference ("none" turns it off); an account made for a guest who
 * joined the waitlist by email (no password yet) always gets it: email is how they asked to hear.
 */
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { publicUrl } from "~/lib/public-url";
import { users } from "~/modules/identity/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import { seats } from "~/modules/tiers/seats.server";
import { emailPreferences } from "./schema";
import type { Rendered } from "./templates.server";
import { waitlistOfferEmail } from "./templates.server";
import { seatOfferToken } from "./tokens.server";

type Ref = Record<string, string | number | boolean | null>;

export const seatOfferPath = async (env: Env, tierId: string, holdId: string) =>
  `/tiers/${encodeURIComponent(tierId)}/claim/${encodeURIComponent(holdId)}/${await seatOfferToken(env, tierId, holdId)}`;

export async function renderWaitlistOffer(env: Env, ref: Ref): Promise<{ to: string; userId: string; rendered: Rendered } | null> {
  const tierId = String(ref.tierId ?? "");
  const holdId = String(ref.holdId ?? "");
  const userId = String(ref.userId ?? "");
  const db = getDb(env);
  const [offer, user, t, prefs] = await Promise.all([
    seats(env, tierId).offer(holdId),
    db.query.users.findFirst({ where: eq(users.id, userId), columns: { email: true, guestAt: true } }),
    db.query.tiers.findFirst({ where: eq(tiers.id, tierId) }),
    db.query.emailPreferences.findFirst({ where: eq(emailPreferences.userId, userId), columns: { mode: true } }),
  ]);
  if (!offer || offer.userId !== userId || !user || !t || t.status !== "active") return null;
  if (user.guestAt === null && prefs?.mode === "none") return null;
  const c = await db.query.creators.findFirst({ where: eq(creators.userId, t.creatorId), columns: { displayName: true } });
  const until = new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC",
    weekday: "long",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(offer.expiresAt * 1000));
  return {
    to: user.email,
    userId,
    rendered: waitlistOfferEmail({
      tierName: t.name,
      creatorName: c?.displayName ?? "the creator",
      until,
      claimUrl: publicUrl(env, await seatOfferPath(env, tierId, holdId)),
      paid: t.pricing !== "free",
    }),
  };
}
