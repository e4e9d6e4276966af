/** Fan-out knobs, read from vars (strings) with safe defaults. See docs/posts-feed-email.md. */
const num = (v: unknown, fallback: number, min: number, max: number) => {
  const n = Number(v);
  return Number.isFinite(n) && n >= min && n <= max ? Math.floor(n) : fallback;
};

type FeedVars = { FANOUT_PAGE_SIZE?: string; FANOUT_PAGES_PER_MESSAGE?: string; FANOUT_THRESHOLD?: string; FEED_CAP?: string };

export function feedConfig(env: unknown) {
  const e = env as FeedVars;
  return {
    /** Followers read per fan-out message (keyset page). */
    pageSize: num(e.FANOUT_PAGE_SIZE, 1000, 1, 5000),
    /** Keyset pages handled per queue message before the rest is enqueued as the next message. */
    pagesPerMessage: num(e.FANOUT_PAGES_PER_MESSAGE, 10, 1, 50),
    /** Creators with more followers than this are merged at read time instead of fanned out. */
    threshold: num(e.FANOUT_THRESHOLD, 10_000, 0, 100_000_000),
    /** Items kept per user's stored feed; older ones are trimmed. */
    cap: num(e.FEED_CAP, 400, 10, 10_000),
  };
}

/** Recipients per email queue message (each message sends at most this many emails). */
export const EMAIL_RECIPIENTS_PER_MESSAGE = 50;
