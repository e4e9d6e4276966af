-- Custom migration (drizzle-kit generate --custom): rebuilds both full-text indexes with the porter
-- stemmer ("booking" finds "books") and adds the app's category name to the apps index ("voice"
-- finds an app in the Voice category). README decision D45.

-- Apps: the index now keeps its own copy of the text (the category NAME lives in `app_categories`,
-- so `apps` can't be its external content any more). Columns: name, tagline, description,
-- tech stack (the tags), category name. rowid = apps.rowid.
DROP TRIGGER IF EXISTS `apps_fts_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `apps_fts_ad`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `apps_fts_au`;
--> statement-breakpoint
DROP TABLE IF EXISTS `apps_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `apps_fts` USING fts5(
  `name`, `tagline`, `description_markdown`, `tech_stack`, `category`,
  tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
INSERT INTO `apps_fts` (`rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`, `category`)
  SELECT a.`rowid`, a.`name`, a.`tagline`, a.`description_markdown`, a.`tech_stack`, COALESCE(c.`name`, '')
  FROM `apps` a LEFT JOIN `app_categories` c ON c.`slug` = a.`category_slug`;
--> statement-breakpoint
CREATE TRIGGER `apps_fts_ai` AFTER INSERT ON `apps` BEGIN
  INSERT INTO `apps_fts` (`rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`, `category`)
  VALUES (new.rowid, new.name, new.tagline, new.description_markdown, new.tech_stack,
    COALESCE((SELECT `name` FROM `app_categories` WHERE `slug` = new.category_slug), ''));
END;
--> statement-breakpoint
CREATE TRIGGER `apps_fts_ad` AFTER DELETE ON `apps` BEGIN
  DELETE FROM `apps_fts` WHERE `rowid` = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `apps_fts_au` AFTER UPDATE OF `name`, `tagline`, `description_markdown`, `tech_stack`, `category_slug` ON `apps` BEGIN
  DELETE FROM `apps_fts` WHERE `rowid` = old.rowid;
  INSERT INTO `apps_fts` (`rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`, `category`)
  VALUES (new.rowid, new.name, new.tagline, new.description_markdown, new.tech_stack,
    COALESCE((SELECT `name` FROM `app_categories` WHERE `slug` = new.category_slug), ''));
END;
--> statement-breakpoint
-- Posts: same columns and gating as before (README D20: only text anyone may see); only the
-- tokenizer changes. Copy the rows out, rebuild, copy them back; the triggers (which only delete)
-- are recreated unchanged because they name the table.
CREATE TABLE `posts_fts_copy` (`rid` integer PRIMARY KEY, `title` text, `excerpt` text, `body` text);
--> statement-breakpoint
INSERT INTO `posts_fts_copy` (`rid`, `title`, `excerpt`, `body`) SELECT `rowid`, `title`, `excerpt`, `body` FROM `posts_fts`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `posts_fts_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `posts_fts_ad`;
--> statement-breakpoint
DROP TABLE `posts_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `posts_fts` USING fts5(
  `title`, `excerpt`, `body`,
  tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
INSERT INTO `posts_fts` (`rowid`, `title`, `excerpt`, `body`) SELECT `rid`, `title`, `excerpt`, `body` FROM `posts_fts_copy`;
--> statement-breakpoint
DROP TABLE `posts_fts_copy`;
--> statement-breakpoint
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
