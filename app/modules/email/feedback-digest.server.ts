/**
 * Rendering the maker's daily feedback digest (decision 120) in the email queue's consumer, from the
 * current rows: nothing visible left (hidden, merged, author suspended), the digest turned off, or the
 * maker unverified/suspended → no email. Queued by community/digest.server.ts.
 */
import { publicUrl } from "~/lib/public-url";
import { feedbackDigestEmail } from "./transactional-templates.server";
import { feedbackDigestUnsubscribeUrl } from "./tokens.server";
import { digestContents } from "./queries.server";

export const DIGEST_MAX_ITEMS = 100;

const utcDay = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/** The digest for one maker from the current rows, or null when there is nothing to send. */
export async function renderFeedbackDigest(env: Env, ref: Record<string, string | number | boolean | null>) {
  const makerId = String(ref.makerId ?? "");
  const since = Number(ref.since);
  const until = Number(ref.until);
  const { maker, items } = await digestContents(env, makerId, since, until);
  if (!maker || !maker.verified || maker.gone || !maker.digest || !items.length) return null;
  const shown = items.slice(0, DIGEST_MAX_ITEMS);
  const name = maker.displayName ?? maker.email;
  return {
    to: maker.email,
    userId: makerId,
    rendered: feedbackDigestEmail({
      makerName: name,
      day: String(ref.day ?? utcDay(since)),
      items: shown.map((i) => ({
        appName: i.appName,
        kind: i.kind,
        title: i.title,
        url: publicUrl(env, `/apps/${i.appSlug}/feedback/${i.id}`),
      })),
      more: items.length > DIGEST_MAX_ITEMS,
      unsubscribeUrl: await feedbackDigestUnsubscribeUrl(env, makerId),
      settingsUrl: publicUrl(env, "/settings/email"),
    }),
    headers: {
      "List-Unsubscribe": `<${await feedbackDigestUnsubscribeUrl(env, makerId)}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}
