-- Custom migration (drizzle-kit generate --custom): drizzle-kit cannot express FTS5 virtual tables
-- or triggers.

-- Full-text index of the FULL text of gated published posts (decision 72): title, excerpt and the
-- whole body. It is only ever searched for a signed-in reader, and every hit is dropped unless the
-- entitlement module says that reader may read the post, before anything is ranked, counted or
-- shown. `posts_fts` (public text only, D20) stays what everyone else searches.
-- rowid = posts.rowid. Rows are written by the posts service in the same D1 batch as the post.
CREATE VIRTUAL TABLE `posts_member_fts` USING fts5(
  `title`, `excerpt`, `body`,
  tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
-- Fail closed, like posts_fts: any write to a post's text, visibility or status drops its row (the
-- service re-adds it in the same batch when the post is published and gated); deleting drops it.
CREATE TRIGGER `posts_member_fts_au` AFTER UPDATE OF `title`, `body_markdown`, `excerpt`, `visibility`, `status` ON `posts` BEGIN
  DELETE FROM `posts_member_fts` WHERE `rowid` = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `posts_member_fts_ad` AFTER DELETE ON `posts` BEGIN
  DELETE FROM `posts_member_fts` WHERE `rowid` = old.rowid;
END;
--> statement-breakpoint
-- Gated posts published before this migration (hand-written backfill): the whole body, with the
-- two marker spellings' usual forms removed (the service removes every form on the next edit).
INSERT INTO `posts_member_fts` (`rowid`, `title`, `excerpt`, `body`)
  SELECT `rowid`, `title`, COALESCE(`excerpt`, ''),
    REPLACE(REPLACE(`body_markdown`, '<!-- paywall -->', ''), '---paywall---', '')
  FROM `posts` WHERE `status` = 'published' AND `visibility` <> 'public';
