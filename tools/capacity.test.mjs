// The capacity projection's arithmetic, on fixed measured inputs (tools/capacity.mjs, docs/capacity.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { project, LIMITS } from "./capacity.mjs";

/** Round figures so the expected totals can be worked out by hand. */
const measured = {
  user: { bytes: 300, rows: 2 },
  session: { bytes: 160, rows: 1 },
  creator: { bytes: 1000, rows: 5 },
  app: { bytes: 7000, rows: 5 },
  post: { bytes: 6000, rows: 3 },
  postLean: { bytes: 2500, rows: 3 },
  follow: { bytes: 150, rows: 1 },
  feedItem: { bytes: 200, rows: 1 },
  notification: { bytes: 600, rows: 1 },
  order: { bytes: 1100, rows: 5 },
  membership: { bytes: 1000, rows: 5 },
  invoice: { bytes: 600, rows: 3 },
  doFollower: { bytes: 64, rows: 1 },
};

const assumptions = {
  readersPerCreator: 9, // 10 accounts per creator
  followsPerUser: 5, // 50 follow edges per creator
  appsPerCreator: 1,
  postsPerCreatorPerMonth: 2,
  months: 12,
  feedCap: 100,
  notificationsKeptPerUser: null,
  ordersPerCreatorPerMonth: 1,
  membersPerCreator: 2,
  sessionsPerUser: 1,
  peakToAverage: 10,
  largestCreatorFollowers: 100_000,
  fillTarget: 0.5,
};

test("per-creator counts follow the assumptions (feed capped, notifications not)", () => {
  const p = project(measured, assumptions, [1]);
  const count = Object.fromEntries(p.breakdown.map((b) => [b.kind, b.count]));
  assert.equal(p.usersPerCreator, 10);
  assert.equal(p.followsPerCreator, 50);
  // Each user receives 5 creators × 2 posts × 12 months = 120 posts: the feed keeps 100, the bell all 120.
  assert.deepEqual(count, {
    user: 10,
    session: 10,
    creator: 1,
    app: 1,
    post: 24,
    follow: 50,
    feedItem: 1000,
    notification: 1200,
    order: 12,
    membership: 2,
    invoice: 24,
  });
});

test("bytes and rows per creator are the sum of count × measured size", () => {
  const p = project(measured, assumptions, [1]);
  const bytes = 10 * 300 + 10 * 160 + 1000 + 7000 + 24 * 6000 + 50 * 150 + 1000 * 200 + 1200 * 600 + 12 * 1100 + 2 * 1000 + 24 * 600;
  const rows = 10 * 2 + 10 + 5 + 5 + 24 * 3 + 50 + 1000 + 1200 + 12 * 5 + 2 * 5 + 24 * 3;
  assert.equal(p.bytesPerCreator, bytes); // 1,114,300
  assert.equal(p.rowsPerCreator, rows);
  assert.equal(p.breakdown.find((b) => b.kind === "notification").share, (1200 * 600) / bytes);
  assert.equal(p.maxCreatorsPerDatabase, Math.floor((LIMITS.d1DatabaseBytes * 0.5) / bytes));
});

test("a notification cap changes only the notification rows", () => {
  const capped = project(measured, { ...assumptions, notificationsKeptPerUser: 50 }, [1]);
  const open = project(measured, assumptions, [1]);
  assert.equal(capped.breakdown.find((b) => b.kind === "notification").count, 500);
  assert.equal(open.bytesPerCreator - capped.bytesPerCreator, (1200 - 500) * 600);
});

test("totals scale with creators and are set against D1, DO and Queue limits", () => {
  const p = project(measured, assumptions, [10_000, 1_000_000]);
  const [small, big] = p.rows;
  assert.equal(small.users, 100_000);
  assert.equal(small.d1Bytes, 10_000 * p.bytesPerCreator);
  assert.equal(small.d1ShareOfOneDatabase, small.d1Bytes / 10e9);
  assert.equal(small.d1DatabasesNeeded, Math.ceil(small.d1Bytes / 5e9)); // 11,143,000,000 B → 3
  assert.equal(small.d1DatabasesNeeded, 3);
  assert.equal(big.d1ShareOfAccount, big.d1Bytes / 1e12);
  // The largest creator's follower rows in its Durable Object: 100,000 × 64 B.
  assert.equal(big.largestCreatorDoBytes, 6_400_000);
  assert.equal(big.largestCreatorDoShare, 6_400_000 / 10e9);
  // Peak posts/s = creators × posts a month ÷ seconds in 30 days × peak factor.
  const peak = ((1_000_000 * 2) / (30 * 86_400)) * 10;
  assert.equal(big.peakPostsPerSecond, peak);
  assert.equal(big.peakFanoutMessagesPerSecond, peak * 1); // 50 followers fit in one message
  assert.equal(big.peakEmailMessagesPerSecond, peak * 1); // ceil(50 / 50)
  assert.equal(big.peakD1RowsWrittenPerSecond, peak * 50 * 2); // a feed row and a bell row per follower
});

test("the largest creator's post: messages per queue and whether it is pushed", () => {
  const p = project(measured, assumptions, [1]);
  assert.deepEqual(p.largest, {
    followers: 100_000,
    fanoutMessages: 10,
    emailMessages: 2000,
    secondsOfOneQueueAtLimit: 0.4,
    pushed: false,
  });
  const small = project(measured, { ...assumptions, largestCreatorFollowers: 10_000 }, [1]);
  assert.equal(small.largest.pushed, true);
  assert.equal(small.largest.fanoutMessages, 1);
});

test("post bodies in R2 swap the post size for the lean one and nothing else", () => {
  const lean = project(measured, { ...assumptions, postBodiesInR2: 1 }, [1]);
  const full = project(measured, assumptions, [1]);
  assert.equal(lean.breakdown.find((b) => b.kind === "post").bytes, 24 * 2500);
  assert.equal(full.bytesPerCreator - lean.bytesPerCreator, 24 * (6000 - 2500));
  assert.equal(lean.rowsPerCreator, full.rowsPerCreator);
});
