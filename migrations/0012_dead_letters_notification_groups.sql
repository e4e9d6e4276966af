ALTER TABLE `notifications` ADD `group_key` text;--> statement-breakpoint
ALTER TABLE `notifications` ADD `group_label` text;--> statement-breakpoint
ALTER TABLE `notifications` ADD `actor_name` text;--> statement-breakpoint
CREATE INDEX `notifications_group_idx` ON `notifications` (`user_id`,`group_key`,`read_at`);--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `outcome` text;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `handled_by` text;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `handled_at` integer;