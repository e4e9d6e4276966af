/**
 * The maker's daily email digest of new feedback (decision 120). The every-minute cron calls
 * `queueFeedbackDigests`: the first run of a UTC day claims that day (one row) and queues one
 * transactional email per maker who got feedback the day before, keyed `feedback-digest:<maker>:<day>`
 * (claimed before sending, so at most one per maker per day). The email is rendered in the queue
 * consumer from the current rows: nothing visible left (hidden, merged, author suspended), the
 * digest turned off, or the maker unverified/suspended → no email.
 */
import { publicUrl } from "~/lib/public-url";
import { nowSeconds } from "~/lib/ids";
import type { TxEmailMessage } from "~/modules/email/messages";
import { feedbackDigestEmail } from "~/modules/email/transactional-templates.server";
import { feedbackDigestUnsubscribeUrl } from "~/modules/email/tokens.server";
import { claimDigestDay, digestContents, makersWithNewFeedback, recordDigestMakers } from "./queries.server";

const DAY = 86400;
export const DIGEST_MAX_ITEMS = 100;

const utcDay = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/** Queues yesterday's (UTC) digests once per day; returns how many makers got one queued (0 after the first run of a day). */
export async function queueFeedbackDigests(env: Env, now = nowSeconds()): Promise<number> {
  const until = now - (now % DAY);
  const since = until - DAY;
  const day = utcDay(since);
  if (!(await claimDigestDay(env, day, now))) return 0;
  const makers = await makersWithNewFeedback(env, since, until);
  const messages = makers.map((makerId): TxEmailMessage => ({
    type: "tx_email",
    kind: "feedback_digest",
    key: `feedback-digest:${makerId}:${day}`,
    ref: { makerId, since, until, day },
  }));
  for (let i = 0; i < messages.length; i += 100)
    await env.EMAIL_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  await recordDigestMakers(env, day, makers.length);
  return makers.length;
}

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
