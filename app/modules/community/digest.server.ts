/**
 * The maker's daily email digest of new feedback (decision 120). The every-minute cron calls
 * `queueFeedbackDigests`: the first run of a UTC day claims that day (one row) and queues one
 * transactional email per maker who got feedback the day before, keyed `feedback-digest:<maker>:<day>`
 * (claimed before sending, so at most one per maker per day). The email is rendered in the queue
 * consumer (email/feedback-digest.server.ts) from the current rows: nothing visible left (hidden, merged, author suspended), the
 * digest turned off, or the maker unverified/suspended → no email.
 */
import { nowSeconds } from "~/lib/ids";
import type { TxEmailMessage } from "~/modules/email/messages";
import { claimDigestDay, makersWithNewFeedback, recordDigestMakers } from "./queries.server";

const DAY = 86400;

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
