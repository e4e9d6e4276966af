-- Custom migration (drizzle-kit generate --custom): drizzle-kit cannot express FTS5 virtual tables
-- or triggers.

-- Full-text index over published posts holding ONLY text anyone may see (README decision D20):
-- the title, the creator's excerpt, and the body for public posts / the free preview (before the
-- paywall marker) for gated posts. It keeps its own copy of that text (not external content:
-- the gated remainder in `posts.body_markdown` must never be reachable through it).
-- rowid = posts.rowid. Rows are written by the posts service (the preview split is application
-- code), in the same D1 batch as the post's own write.
CREATE VIRTUAL TABLE `posts_fts` USING fts5(
  `title`, `excerpt`, `body`,
  tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
-- Fail closed: any write to a post's text, visibility or status drops its index row (the service
-- re-adds the fresh public text in the same batch when the post is published); deleting a post —
-- also through ON DELETE CASCADE from its creator — drops it too. Either bumps the `catalog`
-- counter (part of the /discover and home edge-cache keys) when a published post is involved.
CREATE TRIGGER `posts_fts_au` AFTER UPDATE OF `title`, `body_markdown`, `excerpt`, `visibility`, `status` ON `posts` BEGIN
  DELETE FROM `posts_fts` WHERE `rowid` = old.rowid;
  UPDATE `counters` SET `value` = `value` + 1
    WHERE `name` = 'catalog' AND (old.`status` = 'published' OR new.`status` = 'published');
END;
--> statement-breakpoint
CREATE TRIGGER `posts_fts_ad` AFTER DELETE ON `posts` BEGIN
  DELETE FROM `posts_fts` WHERE `rowid` = old.rowid;
  UPDATE `counters` SET `value` = `value` + 1 WHERE `name` = 'catalog' AND old.`status` = 'published';
END;
--> statement-breakpoint
-- Posts published before this migration: public ones in full; gated ones by title and excerpt
-- only (SQL can't split at the paywall marker exactly; their preview is added on the next edit).
INSERT INTO `posts_fts` (`rowid`, `title`, `excerpt`, `body`)
  SELECT `rowid`, `title`, COALESCE(`excerpt`, ''), CASE WHEN `visibility` = 'public' THEN `body_markdown` ELSE '' END
  FROM `posts` WHERE `status` = 'published';
