ALTER TABLE `posts` ADD `teaser` text;--> statement-breakpoint
ALTER TABLE `posts` ADD `preview_markdown` text;