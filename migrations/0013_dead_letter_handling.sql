ALTER TABLE `dead_letters` ADD `outcome` text;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `handled_by` text;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `handled_at` integer;