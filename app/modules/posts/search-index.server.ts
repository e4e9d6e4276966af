/**
 * The posts' full-text index (`posts_fts`, migration 0006_posts_fts; decision D20). It holds
 * ONLY text anyone may see: the title, the creator's excerpt, and the body of public posts / the
 * free preview (before the paywall marker) of gated ones. The gated remainder never enters it, so
 * searching for a sentence after a paywall finds nothing.
 *
 * Triggers drop a post's row whenever its text, visibility or status is written, or the post is
 * deleted (and bump the `catalog` counter when a published post is involved, which renews the
 * /discover edge-cache key). The preview split is application code, so the posts service adds the
 * fresh row here, in the same D1 batch as the post's own write.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Db } from "~/lib/db.server";
import { splitPaywall, withoutMarker } from "./paywall";
import type { PostRow } from "./queries.server";
import { posts } from "./schema";

/**
 * `posts_fts` as Drizzle sees it, for building statements only. Deliberately NOT in schema.ts:
 * drizzle-kit can't create FTS5 tables (migration 0006 does). (Drizzle's D1 batch can't take raw
 * `sql` statements with parameters, hence builders.)
 */
const postsFts = sqliteTable("posts_fts", {
  rowid: integer("rowid").notNull(),
  title: text("title").notNull(),
  excerpt: text("excerpt").notNull(),
  body: text("body").notNull(),
});

/**
 * `posts_member_fts` (migration 0021, decision 72): the FULL text of gated published posts. Only
 * ever searched for a signed-in reader, and each hit is kept only if the entitlement module lets
 * that reader read the post. Never joined into anything anonymous or shared.
 */
export const postsMemberFts = sqliteTable("posts_member_fts", {
  rowid: integer("rowid").notNull(),
  title: text("title").notNull(),
  excerpt: text("excerpt").notNull(),
  body: text("body").notNull(),
});

export type IndexedFields = Pick<PostRow, "title" | "bodyMarkdown" | "excerpt" | "visibility">;

/** What the index may hold for a post: never anything after the paywall marker of a gated post. */
export function searchableText(p: IndexedFields): { title: string; excerpt: string; body: string } {
  return {
    title: p.title,
    excerpt: p.excerpt ?? "",
    body: p.visibility === "public" ? withoutMarker(p.bodyMarkdown) : splitPaywall(p.bodyMarkdown).preview,
  };
}

/**
 * Batch statements that (re)index a post from `fields` — the values the same batch writes (or, for
 * publishing, the row just read). The insert happens only if the row is published and still holds
 * exactly those values, so a concurrent edit can never get an older version's (or a then-public
 * version's) text indexed; at worst the post is missing from search until its next save.
 */
export function reindexPostStatements(db: Db, postId: string, fields: IndexedFields) {
  const t = searchableText(fields);
  const rowidOfPost = sql<number>`${posts}.rowid`;
  const sameVersion = and(
    eq(posts.id, postId),
    eq(posts.status, "published"),
    eq(posts.visibility, fields.visibility),
    eq(posts.title, fields.title),
    eq(posts.bodyMarkdown, fields.bodyMarkdown),
    fields.excerpt == null ? isNull(posts.excerpt) : eq(posts.excerpt, fields.excerpt),
  );
  // Gated posts also get their full text in the members' index (D72); public ones never do.
  const member =
    fields.visibility === "public"
      ? []
      : [
          db.insert(postsMemberFts).select(
            db
              .select({
                rowid: rowidOfPost.as("rowid"),
                title: sql<string>`${fields.title}`.as("title"),
                excerpt: sql<string>`${fields.excerpt ?? ""}`.as("excerpt"),
                body: sql<string>`${withoutMarker(fields.bodyMarkdown)}`.as("body"),
              })
              .from(posts)
              .where(sameVersion),
          ),
        ];
  return [
    db.delete(postsMemberFts).where(sql`${postsMemberFts.rowid} = (SELECT rowid FROM ${posts} WHERE ${posts.id} = ${postId})`),
    ...member,
    db.delete(postsFts).where(sql`${postsFts.rowid} = (SELECT rowid FROM ${posts} WHERE ${posts.id} = ${postId})`),
    db.insert(postsFts).select(
      db
        .select({
          rowid: rowidOfPost.as("rowid"),
          title: sql<string>`${t.title}`.as("title"),
          excerpt: sql<string>`${t.excerpt}`.as("excerpt"),
          body: sql<string>`${t.body}`.as("body"),
        })
        .from(posts)
        .where(
          and(
            eq(posts.id, postId),
            eq(posts.status, "published"),
            eq(posts.visibility, fields.visibility),
            eq(posts.title, fields.title),
            eq(posts.bodyMarkdown, fields.bodyMarkdown),
            fields.excerpt == null ? isNull(posts.excerpt) : eq(posts.excerpt, fields.excerpt),
          ),
        ),
    ),
  ] as const;
}
