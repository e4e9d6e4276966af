-- Custom migration (drizzle-kit generate --custom): drizzle-kit cannot express FTS5 virtual tables,
-- triggers or seed rows.

-- The fixed list of app categories.
INSERT INTO `app_categories` (`slug`, `name`, `sort_order`) VALUES
  ('chatbot', 'Chatbots', 1),
  ('agent', 'Agents', 2),
  ('automation', 'Automation', 3),
  ('content', 'Content', 4),
  ('coding', 'Coding', 5),
  ('data', 'Data', 6),
  ('design', 'Design', 7),
  ('productivity', 'Productivity', 8),
  ('research', 'Research', 9),
  ('voice', 'Voice', 10),
  ('other', 'Other', 11);
--> statement-breakpoint
INSERT INTO `counters` (`name`, `value`) VALUES ('catalog', 1);
--> statement-breakpoint
-- Full-text index over apps (external content: the text lives once, in `apps`).
CREATE VIRTUAL TABLE `apps_fts` USING fts5(
  `name`, `tagline`, `description_markdown`, `tech_stack`,
  content='apps', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
CREATE TRIGGER `apps_fts_ai` AFTER INSERT ON `apps` BEGIN
  INSERT INTO `apps_fts` (`rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`)
  VALUES (new.rowid, new.name, new.tagline, new.description_markdown, new.tech_stack);
END;
--> statement-breakpoint
CREATE TRIGGER `apps_fts_ad` AFTER DELETE ON `apps` BEGIN
  INSERT INTO `apps_fts` (`apps_fts`, `rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`)
  VALUES ('delete', old.rowid, old.name, old.tagline, old.description_markdown, old.tech_stack);
END;
--> statement-breakpoint
CREATE TRIGGER `apps_fts_au` AFTER UPDATE OF `name`, `tagline`, `description_markdown`, `tech_stack` ON `apps` BEGIN
  INSERT INTO `apps_fts` (`apps_fts`, `rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`)
  VALUES ('delete', old.rowid, old.name, old.tagline, old.description_markdown, old.tech_stack);
  INSERT INTO `apps_fts` (`rowid`, `name`, `tagline`, `description_markdown`, `tech_stack`)
  VALUES (new.rowid, new.name, new.tagline, new.description_markdown, new.tech_stack);
END;
