#!/usr/bin/env node
/**
 * Capacity simulation (docs/capacity.md, decision D60).
 *
 * 1. Measures: applies the project's D1 migrations (`migrations/*.sql`, the schema D1 runs) to a
 *    fresh SQLite database (node:sqlite — D1 is SQLite, 4 KiB pages), inserts N of each kind of
 *    thing with realistic field sizes (ids, scrypt hashes, Markdown bodies, FTS indexing through the
 *    same triggers), and takes the bytes each kind adds from SQLite's `dbstat` table: table rows +
 *    index entries + full-text index, B-tree overhead included. Also the CreatorGraph Durable
 *    Object's per-follower row, with the schema from workers/creator-graph.ts.
 * 2. Projects: `project(measured, assumptions, creators)` multiplies those sizes by stated
 *    assumptions (followers, posts a month, orders, how long data is kept…) at 10k / 100k / 1M
 *    creators and sets them against the platform limits (LIMITS, with the pages they come from).
 *
 *   npx node tools/capacity.mjs            # measure, print sizes and the projection
 *   npx node tools/capacity.mjs --json     # the same as JSON
 *   npx node tools/capacity.mjs --set followsPerUser=20 --set months=36
 *
 * `project` is pure (no I/O) and is checked by tools/capacity.test.mjs on fixed inputs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Platform limits (Workers Paid), as published by Cloudflare's docs pages named beside each. */
export const LIMITS = {
  d1DatabaseBytes: 10e9, // D1 "Maximum database size 10 GB" — developers.cloudflare.com/d1/platform/limits/
  d1AccountBytes: 1e12, // D1 "Maximum storage per account 1 TB" — same page
  d1DatabasesPerAccount: 50_000, // same page (Workers Paid)
  d1QueriesPerInvocation: 1_000, // same page ("Queries per Worker invocation")
  doObjectBytes: 10e9, // "Storage per Durable Object 10 GB" — developers.cloudflare.com/durable-objects/platform/limits/
  doRequestsPerSecond: 1_000, // soft limit per object — Durable Objects limits FAQ
  queueMessagesPerSecond: 5_000, // "Per-queue message throughput" — developers.cloudflare.com/queues/platform/limits/
  queueMessageBytes: 128_000, // same page
  workerSubrequests: 10_000, // Workers Paid, per request — developers.cloudflare.com/workers/platform/limits/
  workerMemoryBytes: 128e6, // same page (per isolate)
};

/** What the projection assumes per creator; every figure can be overridden with --set name=value. */
export const ASSUMPTIONS = {
  readersPerCreator: 20, // accounts that only read/buy, per creator
  followsPerUser: 10, // creators each account follows → follow edges per creator = users × this ÷ creators
  appsPerCreator: 2,
  postsPerCreatorPerMonth: 4,
  months: 24, // how much history is kept (posts, orders, invoices, notifications)
  feedCap: 400, // FEED_CAP in wrangler.toml: feed rows kept per user
  notificationsKeptPerUser: null, // null = never trimmed (today's code); a number = a cap per user
  ordersPerCreatorPerMonth: 5,
  membersPerCreator: 10, // live memberships; one invoice each a month
  sessionsPerUser: 1.5,
  peakToAverage: 10, // peak traffic ÷ average traffic
  postBodiesInR2: 0, // 1 = post bodies in R2, search over title, excerpt and free preview only (measured as postLean)
  largestCreatorFollowers: 1_000_000, // the one very popular creator (CreatorGraph DO, fan-out)
  fillTarget: 0.7, // shard a D1 database before it is this full
  fanoutPageSize: 1_000, // FANOUT_PAGE_SIZE
  fanoutPagesPerMessage: 10, // FANOUT_PAGES_PER_MESSAGE
  fanoutThreshold: 10_000, // FANOUT_THRESHOLD: above it, a creator's posts are merged at read time
  emailRecipientsPerMessage: 50,
};

const MONTH_SECONDS = 30 * 86_400;

/**
 * The projection. `measured` holds bytes per item (`bytes`) and rows per item (`rows`) for: user,
 * creator, app, post, follow, feedItem, notification, order, membership, invoice, session,
 * doFollower. Returns the per-creator breakdown and, for each creator count, totals and limits.
 */
export function project(measured, assumptions, creatorCounts) {
  const a = { ...ASSUMPTIONS, ...assumptions };
  const usersPerCreator = a.readersPerCreator + 1;
  const followsPerCreator = usersPerCreator * a.followsPerUser;
  const postsPerCreator = a.postsPerCreatorPerMonth * a.months;
  // Each user receives the posts of the creators they follow; the feed keeps the newest feedCap.
  const postsReceivedPerUser = a.followsPerUser * a.postsPerCreatorPerMonth * a.months;
  const feedItemsPerCreator = usersPerCreator * Math.min(a.feedCap, postsReceivedPerUser);
  const notificationsPerUser =
    a.notificationsKeptPerUser == null ? postsReceivedPerUser : Math.min(a.notificationsKeptPerUser, postsReceivedPerUser);
  const perCreatorCounts = {
    user: usersPerCreator,
    session: usersPerCreator * a.sessionsPerUser,
    creator: 1,
    app: a.appsPerCreator,
    post: postsPerCreator,
    follow: followsPerCreator,
    feedItem: feedItemsPerCreator,
    notification: usersPerCreator * notificationsPerUser,
    order: a.ordersPerCreatorPerMonth * a.months,
    membership: a.membersPerCreator,
    invoice: a.membersPerCreator * a.months,
  };
  const sizeOf = (kind) => measured[kind === "post" && a.postBodiesInR2 ? "postLean" : kind];
  const breakdown = Object.entries(perCreatorCounts).map(([kind, count]) => ({
    kind,
    count,
    bytes: count * sizeOf(kind).bytes,
    rows: count * sizeOf(kind).rows,
  }));
  const bytesPerCreator = breakdown.reduce((s, b) => s + b.bytes, 0);
  const rowsPerCreator = breakdown.reduce((s, b) => s + b.rows, 0);
  for (const b of breakdown) b.share = b.bytes / bytesPerCreator;

  const perDatabase = LIMITS.d1DatabaseBytes * a.fillTarget;
  const rows = creatorCounts.map((creators) => {
    const bytes = creators * bytesPerCreator;
    const postsPerSecondPeak = ((creators * a.postsPerCreatorPerMonth) / MONTH_SECONDS) * a.peakToAverage;
    const avgFollowers = followsPerCreator; // every follow edge points at some creator
    // Each post: one fan-out message per pagesPerMessage pages; feed rows and bell rows per follower
    // (below the hybrid threshold); email messages of 50 recipients.
    const fanoutMessagesPerPost = Math.max(1, Math.ceil(avgFollowers / (a.fanoutPageSize * a.fanoutPagesPerMessage)));
    const emailMessagesPerPost = Math.ceil(avgFollowers / a.emailRecipientsPerMessage);
    const pushFollowers = avgFollowers <= a.fanoutThreshold ? avgFollowers : 0;
    return {
      creators,
      users: creators * usersPerCreator,
      d1Bytes: bytes,
      d1Rows: creators * rowsPerCreator,
      d1ShareOfOneDatabase: bytes / LIMITS.d1DatabaseBytes,
      d1DatabasesNeeded: Math.max(1, Math.ceil(bytes / perDatabase)),
      d1ShareOfAccount: bytes / LIMITS.d1AccountBytes,
      largestCreatorDoBytes: a.largestCreatorFollowers * measured.doFollower.bytes,
      largestCreatorDoShare: (a.largestCreatorFollowers * measured.doFollower.bytes) / LIMITS.doObjectBytes,
      peakPostsPerSecond: postsPerSecondPeak,
      peakFanoutMessagesPerSecond: postsPerSecondPeak * fanoutMessagesPerPost,
      peakEmailMessagesPerSecond: postsPerSecondPeak * emailMessagesPerPost,
      emailQueueShare: (postsPerSecondPeak * emailMessagesPerPost) / LIMITS.queueMessagesPerSecond,
      peakD1RowsWrittenPerSecond: postsPerSecondPeak * pushFollowers * 2, // a feed row + a bell row each
    };
  });
  // Largest creator's post: fan-out pages are 1,000 followers; one message carries 10 pages.
  const big = a.largestCreatorFollowers;
  const largest = {
    followers: big,
    fanoutMessages: Math.ceil(big / (a.fanoutPageSize * a.fanoutPagesPerMessage)),
    emailMessages: Math.ceil(big / a.emailRecipientsPerMessage),
    secondsOfOneQueueAtLimit: Math.ceil(big / a.emailRecipientsPerMessage) / LIMITS.queueMessagesPerSecond,
    pushed: big <= a.fanoutThreshold,
  };
  return {
    assumptions: a,
    usersPerCreator,
    followsPerCreator,
    bytesPerCreator,
    rowsPerCreator,
    breakdown,
    rows,
    largest,
    maxCreatorsPerDatabase: Math.floor(perDatabase / bytesPerCreator),
  };
}

// ── measuring ────────────────────────────────────────────────────────────────────────────────

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
let seed = 42;
/** mulberry32: a small seeded generator, so every run inserts the same data. */
function rand() {
  let t = (seed = (seed + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const id = (n = 20) => Array.from({ length: n }, () => ALNUM[Math.floor(rand() * 36)]).join("");
const VOCAB = Array.from({ length: 3000 }, () => id(3 + Math.floor(rand() * 7)).replace(/[0-9]/g, "e"));
const words = (chars) => {
  let s = "";
  while (s.length < chars) s += VOCAB[Math.floor(rand() * VOCAB.length)] + " ";
  return s.slice(0, chars);
};
const b64 = (n) => id(n).toUpperCase();
const T0 = 1_790_000_000;

function freshDb(DatabaseSync) {
  const db = new DatabaseSync(":memory:");
  for (const f of readdirSync(join(ROOT, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const stmt of readFileSync(join(ROOT, "migrations", f), "utf8").split("--> statement-breakpoint")) if (stmt.trim()) db.exec(stmt);
  }
  // Sizes don't depend on foreign-key checks; off, a kind's rows need no parents made first.
  db.exec("PRAGMA foreign_keys = OFF");
  return db;
}

/** Bytes in use (pages that hold data; free pages don't count) and rows across ordinary tables. */
function usedBytes(db) {
  return db.prepare("SELECT sum(pgsize - 0) AS b FROM dbstat").get().b;
}

function insertUser(db, uid) {
  db.prepare("INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (?, ?, ?, 0, ?)").run(
    uid,
    `${id(10)}.${id(6)}@example.com`,
    `scrypt$16384$8$1$${b64(22)}$${b64(43)}`,
    T0,
  );
  db.prepare("INSERT INTO email_preferences (user_id, mode, updated_at) VALUES (?, 'all', ?)").run(uid, T0);
}
const USER_ROWS = 2;

function insertCreator(db, uid) {
  db.prepare(
    "INSERT INTO creators (user_id, handle, display_name, bio_markdown, links, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
  ).run(
    uid,
    `maker-${id(8)}`,
    `Maker ${words(12)}`,
    words(300),
    JSON.stringify({ website: `https://${id(8)}.example.com`, x: `https://x.com/${id(8)}`, github: `https://github.com/${id(8)}` }),
    T0,
    T0,
  );
  db.prepare("INSERT INTO creator_stats (creator_id, follower_count, follow_seq) VALUES (?, 0, 0)").run(uid);
  db.prepare(
    "INSERT INTO payout_accounts (creator_id, stripe_account_id, charges_enabled, payouts_enabled, details_submitted, state_at, created_at, updated_at) VALUES (?, ?, 1, 1, 1, ?, ?, ?)",
  ).run(uid, `acct_${id(16)}`, T0, T0, T0);
}
const CREATOR_ROWS = 3;

/** What each kind inserts (and how many rows). `ctx` holds ids made in `setup`. */
const KINDS = {
  user: { rows: USER_ROWS, insert: (db) => insertUser(db, id()) },
  session: {
    rows: 1,
    setup: (db, ctx) => {
      ctx.users = Array.from({ length: 200 }, () => {
        const u = id();
        insertUser(db, u);
        return u;
      });
    },
    insert: (db, ctx) =>
      db
        .prepare("INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)")
        .run(id(40), ctx.users[Math.floor(rand() * ctx.users.length)], T0),
  },
  creator: {
    rows: USER_ROWS + CREATOR_ROWS,
    insert: (db) => {
      const u = id();
      insertUser(db, u);
      insertCreator(db, u);
    },
  },
  app: {
    rows: 1 + 3 + 1, // app, 3 screenshots, one full-text row
    setup: (db, ctx) => {
      ctx.creators = Array.from({ length: 50 }, () => {
        const u = id();
        insertUser(db, u);
        insertCreator(db, u);
        return u;
      });
    },
    insert: (db, ctx) => {
      const appId = id();
      db.prepare(
        `INSERT INTO apps (id, creator_id, slug, name, tagline, description_markdown, app_url, category_slug, tech_stack, status, published, published_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT slug FROM app_categories LIMIT 1), ?, 'live', 1, ?, ?, ?)`,
      ).run(
        appId,
        ctx.creators[Math.floor(rand() * 50)],
        `app-${id(10)}`,
        words(22),
        words(70),
        words(1200),
        `https://${id(10)}.example.com`,
        JSON.stringify([words(8).trim(), words(10).trim(), words(6).trim()]),
        T0,
        T0,
        T0,
      );
      for (let i = 0; i < 3; i++)
        db.prepare("INSERT INTO app_screenshots (id, app_id, key, position, created_at) VALUES (?, ?, ?, ?, ?)").run(
          id(),
          appId,
          `images/${id(24)}.webp`,
          i,
          T0,
        );
    },
  },
  post: {
    rows: 1 + 1 + 1, // post, its activity, one full-text row (public post: whole body indexed)
    setup: (db, ctx) => KINDS.app.setup(db, ctx),
    insert: (db, ctx) => {
      const postId = id();
      const creator = ctx.creators[Math.floor(rand() * 50)];
      const [title, body, excerpt] = [words(55), words(4000), words(160)];
      db.prepare(
        `INSERT INTO posts (id, creator_id, slug, title, body_markdown, excerpt, status, visibility, tier_ids, created_at, updated_at, teaser, preview_markdown)
        VALUES (?, ?, ?, ?, ?, ?, 'draft', 'public', '[]', ?, ?, ?, ?)`,
      ).run(postId, creator, `${words(40).trim().replace(/ /g, "-")}-${id(6)}`, title, body, excerpt, T0, T0, words(220), words(800));
      // Publishing, as the posts service does it: the status update (its trigger drops any old
      // search row), then the search row — for a public post the whole body (search-index.server.ts).
      db.prepare("UPDATE posts SET status = 'published', published_at = ? WHERE id = ?").run(T0, postId);
      db.prepare("INSERT INTO posts_fts (rowid, title, excerpt, body) SELECT rowid, ?, ?, ? FROM posts WHERE id = ?").run(
        title,
        excerpt,
        body,
        postId,
      );
      db.prepare(
        "INSERT INTO activities (id, creator_id, kind, subject_id, title, summary, url, delivery, published_at) VALUES (?, ?, 'post', ?, ?, ?, ?, 'push', ?)",
      ).run(id(), creator, postId, words(55), words(220), `/@maker-${id(8)}/posts/${id(30)}`, T0);
    },
  },
  /** A post whose Markdown body lives in R2 (the row keeps a key, teaser and free preview) and whose
   *  search row holds title, excerpt and the free preview only. */
  postLean: {
    rows: 1 + 1 + 1,
    setup: (db, ctx) => KINDS.app.setup(db, ctx),
    insert: (db, ctx) => {
      const postId = id();
      const creator = ctx.creators[Math.floor(rand() * 50)];
      const [title, preview, excerpt] = [words(55), words(800), words(160)];
      db.prepare(
        `INSERT INTO posts (id, creator_id, slug, title, body_markdown, excerpt, status, visibility, tier_ids, created_at, updated_at, teaser, preview_markdown)
        VALUES (?, ?, ?, ?, ?, ?, 'draft', 'public', '[]', ?, ?, ?, ?)`,
      ).run(
        postId,
        creator,
        `${words(40).trim().replace(/ /g, "-")}-${id(6)}`,
        title,
        `r2:posts/${id(24)}.md`,
        excerpt,
        T0,
        T0,
        words(220),
        preview,
      );
      db.prepare("UPDATE posts SET status = 'published', published_at = ? WHERE id = ?").run(T0, postId);
      db.prepare("INSERT INTO posts_fts (rowid, title, excerpt, body) SELECT rowid, ?, ?, ? FROM posts WHERE id = ?").run(
        title,
        excerpt,
        preview,
        postId,
      );
      db.prepare(
        "INSERT INTO activities (id, creator_id, kind, subject_id, title, summary, url, delivery, published_at) VALUES (?, ?, 'post', ?, ?, ?, ?, 'push', ?)",
      ).run(id(), creator, postId, words(55), words(220), `/@maker-${id(8)}/posts/${id(30)}`, T0);
    },
  },
  follow: {
    rows: 1,
    setup: (db, ctx) => {
      KINDS.app.setup(db, ctx);
      KINDS.session.setup(db, ctx);
    },
    insert: (db, ctx) =>
      db
        .prepare("INSERT OR IGNORE INTO follows (follower_id, creator_id, created_at) VALUES (?, ?, ?)")
        .run(id(), ctx.creators[Math.floor(rand() * 50)], T0 + Math.floor(rand() * 1e7)),
  },
  feedItem: {
    rows: 1,
    setup: (db, ctx) => {
      ctx.activities = Array.from({ length: 500 }, () => id());
    },
    insert: (db, ctx) =>
      db
        .prepare("INSERT OR IGNORE INTO feed_items (user_id, activity_id, creator_id, published_at) VALUES (?, ?, ?, ?)")
        .run(id(), ctx.activities[Math.floor(rand() * 500)], id(), T0 + Math.floor(rand() * 1e7)),
  },
  notification: {
    rows: 1,
    insert: (db) =>
      db
        .prepare(
          `INSERT INTO notifications (id, user_id, kind, subject_id, actor_id, message, link, created_at, group_key, group_label, actor_name)
      VALUES (?, ?, 'new_post', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id(),
          id(),
          id(),
          id(),
          `New post: ${words(50)}`,
          `/@maker-${id(8)}/posts/${id(30)}`,
          T0 + Math.floor(rand() * 1e7),
          `new_post:${id()}`,
          words(30),
          words(16),
        ),
  },
  order: {
    rows: 1 + 1 + 3, // order, its checkout, 3 Stripe events (checkout completed, charge, payment intent)
    insert: (db) => {
      const cs = `cs_test_${id(58)}`;
      const buyer = id();
      const creator = id();
      const product = id();
      db.prepare(
        `INSERT INTO orders (id, checkout_session_id, payment_intent_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, created_at)
        VALUES (?, ?, ?, ?, ?, ?, 'usd', 2900, 232, 2668, 'paid', ?)`,
      ).run(id(), cs, `pi_${id(24)}`, buyer, creator, product, T0 + Math.floor(rand() * 1e7));
      db.prepare(
        "INSERT INTO checkouts (session_id, kind, user_id, creator_id, product_id, status, expires_at, created_at) VALUES (?, 'product', ?, ?, ?, 'complete', ?, ?)",
      ).run(cs, buyer, creator, product, T0, T0);
      for (const type of ["checkout.session.completed", "charge.succeeded", "payment_intent.succeeded"]) {
        db.prepare(
          "INSERT INTO stripe_events (id, type, created, status, attempts, received_at, processed_at) VALUES (?, ?, ?, 'processed', 1, ?, ?)",
        ).run(`evt_${id(24)}`, type, T0, T0, T0);
      }
    },
  },
  membership: {
    rows: 1 + 1 + 3,
    insert: (db) => {
      const cs = `cs_test_${id(58)}`;
      const user = id();
      const creator = id();
      const tier = id();
      db.prepare(
        `INSERT INTO memberships (id, stripe_subscription_id, stripe_customer_id, user_id, creator_id, tier_id, status, interval, amount, currency, current_period_start, current_period_end, cancel_at_period_end, synced_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, 'active', 'month', 900, 'usd', ?, ?, 0, ?, ?, ?)`,
      ).run(id(), `sub_${id(24)}`, `cus_${id(14)}`, user, creator, tier, T0, T0, T0, T0, T0);
      db.prepare(
        "INSERT INTO checkouts (session_id, kind, user_id, creator_id, tier_id, status, expires_at, created_at) VALUES (?, 'tier', ?, ?, ?, 'complete', ?, ?)",
      ).run(cs, user, creator, tier, T0, T0);
      for (const type of ["checkout.session.completed", "customer.subscription.created", "customer.subscription.updated"]) {
        db.prepare(
          "INSERT INTO stripe_events (id, type, created, status, attempts, received_at, processed_at) VALUES (?, ?, ?, 'processed', 1, ?, ?)",
        ).run(`evt_${id(24)}`, type, T0, T0, T0);
      }
    },
  },
  invoice: {
    rows: 1 + 2, // invoice, 2 Stripe events (invoice.paid, customer.subscription.updated)
    insert: (db) => {
      db.prepare(
        `INSERT INTO invoices (id, stripe_subscription_id, user_id, creator_id, tier_id, currency, gross, fee, net, status, paid_at, payment_intent_id)
        VALUES (?, ?, ?, ?, ?, 'usd', 900, 72, 828, 'paid', ?, ?)`,
      ).run(`in_${id(24)}`, `sub_${id(24)}`, id(), id(), id(), T0 + Math.floor(rand() * 1e7), `pi_${id(24)}`);
      for (const type of ["invoice.paid", "customer.subscription.updated"]) {
        db.prepare(
          "INSERT INTO stripe_events (id, type, created, status, attempts, received_at, processed_at) VALUES (?, ?, ?, 'processed', 1, ?, ?)",
        ).run(`evt_${id(24)}`, type, T0, T0, T0);
      }
    },
  },
};

/** Bytes and rows per item of every kind, from `n` inserts each into a fresh database. */
export async function measure(n = 5_000) {
  const { DatabaseSync } = await import("node:sqlite");
  const out = {};
  for (const [kind, spec] of Object.entries(KINDS)) {
    const db = freshDb(DatabaseSync);
    const ctx = {};
    spec.setup?.(db, ctx);
    const before = usedBytes(db);
    // One transaction per item, as the app writes them (D1 commits every statement or batch): the
    // full-text indexes then grow segment by segment, as they do in production.
    for (let i = 0; i < n; i++) {
      db.exec("BEGIN");
      spec.insert(db, ctx);
      db.exec("COMMIT");
    }
    out[kind] = { bytes: Math.round((usedBytes(db) - before) / n), rows: spec.rows };
    db.close();
  }
  // The CreatorGraph Durable Object's own SQLite: one followers row per follower.
  const dobj = new DatabaseSync(":memory:");
  dobj.exec("CREATE TABLE followers (user_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL)");
  const before = usedBytes(dobj);
  dobj.exec("BEGIN");
  for (let i = 0; i < n * 4; i++) dobj.prepare("INSERT INTO followers (user_id, created_at) VALUES (?, ?)").run(id(), T0 + i);
  dobj.exec("COMMIT");
  out.doFollower = { bytes: Math.round((usedBytes(dobj) - before) / (n * 4)), rows: 1 };
  dobj.close();
  return out;
}

// ── printing ─────────────────────────────────────────────────────────────────────────────────

const fmtBytes = (b) =>
  b >= 1e12
    ? `${(b / 1e12).toFixed(2)} TB`
    : b >= 1e9
      ? `${(b / 1e9).toFixed(2)} GB`
      : b >= 1e6
        ? `${(b / 1e6).toFixed(1)} MB`
        : b >= 1e3
          ? `${(b / 1e3).toFixed(1)} kB`
          : `${b} B`;
const fmtN = (x) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x >= 1 ? x.toFixed(1) : x.toFixed(3));
const pct = (x) => `${(x * 100).toFixed(x < 0.1 ? 2 : 0)}%`;

export function report(measured, p) {
  const lines = [];
  lines.push("Measured (bytes per item, table + indexes + full-text index, from dbstat):");
  lines.push("| item | bytes | rows |", "|---|---:|---:|");
  for (const [k, v] of Object.entries(measured)) lines.push(`| ${k} | ${v.bytes} | ${v.rows} |`);
  lines.push(
    "",
    `Per creator (with ${p.usersPerCreator} accounts, ${p.followsPerCreator} follow edges, ${p.assumptions.months} months kept): ${fmtBytes(p.bytesPerCreator)}, ${fmtN(p.rowsPerCreator)} rows`,
  );
  lines.push("| item | count | bytes | share |", "|---|---:|---:|---:|");
  for (const b of [...p.breakdown].sort((x, y) => y.bytes - x.bytes))
    lines.push(`| ${b.kind} | ${fmtN(b.count)} | ${fmtBytes(b.bytes)} | ${pct(b.share)} |`);
  lines.push(
    "",
    `One D1 database (10 GB, filled to ${pct(p.assumptions.fillTarget)}) holds ${p.maxCreatorsPerDatabase.toLocaleString("en-US")} creators.`,
    "",
  );
  lines.push(
    "| creators | accounts | D1 data | of one 10 GB DB | D1 DBs needed | of 1 TB account | largest creator's DO | peak posts/s | fan-out msg/s | email msg/s | D1 rows written/s (peak) |",
  );
  lines.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of p.rows) {
    lines.push(
      `| ${r.creators.toLocaleString("en-US")} | ${r.users.toLocaleString("en-US")} | ${fmtBytes(r.d1Bytes)} | ${pct(r.d1ShareOfOneDatabase)} | ${r.d1DatabasesNeeded} | ${pct(r.d1ShareOfAccount)} | ${fmtBytes(r.largestCreatorDoBytes)} (${pct(r.largestCreatorDoShare)}) | ${fmtN(r.peakPostsPerSecond)} | ${fmtN(r.peakFanoutMessagesPerSecond)} | ${fmtN(r.peakEmailMessagesPerSecond)} | ${fmtN(r.peakD1RowsWrittenPerSecond)} |`,
    );
  }
  const l = p.largest;
  lines.push(
    "",
    `Largest creator (${l.followers.toLocaleString("en-US")} followers, ${l.pushed ? "pushed" : "merged at read time"}): one post = ${l.fanoutMessages} fan-out messages, ${l.emailMessages.toLocaleString("en-US")} email messages (${l.secondsOfOneQueueAtLimit.toFixed(1)} s of one queue's 5,000 msg/s).`,
  );
  return lines.join("\n");
}

function parseSets(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== "--set") continue;
    const [k, v] = (argv[++i] ?? "").split("=");
    if (!(k in ASSUMPTIONS)) throw new Error(`Unknown assumption "${k}". Known: ${Object.keys(ASSUMPTIONS).join(", ")}`);
    out[k] = v === "null" ? null : Number(v);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const measured = await measure();
  const p = project(measured, parseSets(process.argv.slice(2)), [10_000, 100_000, 1_000_000]);
  if (process.argv.includes("--json")) console.log(JSON.stringify({ measured, ...p }, null, 2));
  else console.log(report(measured, p));
}
