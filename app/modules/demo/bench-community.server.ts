/** Bench data for the community: one app, many comments, a feedback board, verified voters with sessions. */
import { inArray } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { insertComment, insertFeedback } from "~/modules/community/queries.server";
import { users } from "~/modules/identity/schema";
import { bulkSessions, bulkUsers } from "./bulk.server";
import { makeApp, makeCreator } from "./factories.server";

export async function seedBenchCommunity(env: Env, p: { comments: number; items: number; voters: number }) {
  const maker = await makeCreator(env, { displayName: "Bench Maker" });
  const app = await makeApp(env, maker, { name: `Bench Board ${newId(4)}` });
  const ids = await bulkUsers(env, p.voters, "cvoter");
  const db = getDb(env);
  // Verified, and older than a day (so the "new account" limits don't apply).
  for (let i = 0; i < ids.length; i += 90)
    await db
      .update(users)
      .set({ emailVerifiedAt: 1, createdAt: nowSeconds() - 2 * 86400 })
      .where(inArray(users.id, ids.slice(i, i + 90)));
  const t0 = nowSeconds() - p.comments * 60;
  for (let i = 0; i < p.comments; i++) {
    await insertComment(env, {
      id: newId(),
      targetType: "app",
      targetId: app.id,
      ownerId: maker.id,
      authorId: ids[i % ids.length],
      parentId: null,
      bodyMarkdown: `Comment ${i}: **works well** for my use case — \`npm i\` and go. See [the docs](https://example.com/docs).`,
      createdAt: t0 + i * 60,
    });
  }
  const itemIds: string[] = [];
  for (let i = 0; i < p.items; i++) {
    const id = newId();
    itemIds.push(id);
    await insertFeedback(env, {
      id,
      appId: app.id,
      makerId: maker.id,
      authorId: ids[i % ids.length],
      kind: (["idea", "bug", "question"] as const)[i % 3],
      title: `Feedback item number ${i}`,
      bodyMarkdown: "Some details.",
      createdAt: t0 + i,
      updatedAt: t0 + i,
    });
  }
  return { slug: app.slug, appId: app.id, itemId: itemIds[0], cookies: await bulkSessions(env, ids) };
}
