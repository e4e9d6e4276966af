/**
 * Demo community: a few comments on an app and a post, and BookBot's feedback board
 * with items in different states and votes. Written through the community queries (the services'
 * rate limits would refuse a seed's burst from brand-new accounts); counts are recounted the same
 * way the services do.
 */
import { newId, nowSeconds } from "~/lib/ids";
import { trendingIncrement } from "~/lib/trending";
import type { Viewer } from "~/modules/identity/auth.server";
import {
  findAppForThread,
  insertComment,
  insertFeedback,
  writeFeedbackStatus,
  writeLike,
  writeVote,
} from "~/modules/community/queries.server";
import type { FeedbackKind, FeedbackStatus } from "~/modules/community/schema";
import { listPublishedPosts } from "~/modules/posts/queries.server";

export async function seedCommunity(env: Env, people: Record<string, Viewer>, visitor: Viewer) {
  const maya = people["maya-builds"];
  const sam = people["sam-automates"];
  const lena = people["lena-voice"];
  const app = await findAppForThread(env, { slug: "bookbot" });
  if (!maya || !sam || !lena || !app) return;
  let t = nowSeconds() - 3 * 3600;
  const comment = async (
    target: { type: "app" | "post" | "feedback"; id: string; ownerId: string },
    author: Viewer,
    body: string,
    parentId: string | null = null,
  ) => {
    const id = newId();
    t += 600;
    await insertComment(env, {
      id,
      targetType: target.type,
      targetId: target.id,
      ownerId: target.ownerId,
      authorId: author.id,
      parentId,
      bodyMarkdown: body,
      createdAt: t,
    });
    return id;
  };
  const onApp = { type: "app" as const, id: app.id, ownerId: maya.id };
  const q = await comment(onApp, visitor, "Does BookBot work with **Outlook** calendars, or only Google?");
  await comment(onApp, maya, "Not yet — it's on the feedback board as *planned*. Vote for it and you'll hear when it ships!", q);
  const praise = await comment(onApp, sam, "Set it up for my barber shop in 10 minutes. The `reminders` step alone saved us hours. 🙌");
  await writeLike(env, praise, visitor.id, true, t);
  await writeLike(env, praise, maya.id, true, t);

  const [post] = await listPublishedPosts(env, maya.id, 5).then((rows) => rows.filter((p) => p.visibility === "public"));
  if (post)
    await comment(
      { type: "post", id: post.id, ownerId: maya.id },
      visitor,
      "Great write-up — the part about handing over to a human was exactly what I needed.",
    );

  const items: { kind: FeedbackKind; title: string; body: string; status: FeedbackStatus; author: Viewer; voters: Viewer[] }[] = [
    {
      kind: "idea",
      title: "Outlook calendar sync",
      body: "Half of my clients live in Outlook.",
      status: "planned",
      author: visitor,
      voters: [visitor, sam, lena],
    },
    {
      kind: "bug",
      title: "Reminder sent twice after rescheduling",
      body: "Move an appointment → the old reminder still goes out.",
      status: "in_progress",
      author: sam,
      voters: [sam, visitor],
    },
    { kind: "question", title: "Can it answer in Spanish?", body: "", status: "done", author: lena, voters: [lena] },
    { kind: "idea", title: "Dark mode for the chat widget", body: "To match dark websites.", status: "open", author: lena, voters: [] },
  ];
  for (const it of items) {
    const id = newId();
    t += 600;
    await insertFeedback(env, {
      id,
      appId: app.id,
      makerId: maya.id,
      authorId: it.author.id,
      kind: it.kind,
      title: it.title,
      bodyMarkdown: it.body,
      createdAt: t,
      updatedAt: t,
    });
    for (const v of it.voters) await writeVote(env, { id, appId: app.id }, v.id, true, t, trendingIncrement(2, t));
    if (it.status !== "open") await writeFeedbackStatus(env, id, it.status, t);
    if (it.status === "planned")
      await comment({ type: "feedback", id, ownerId: maya.id }, maya, "Planned for next month — thanks for the votes!");
  }
}
