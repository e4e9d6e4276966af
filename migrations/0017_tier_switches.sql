CREATE TABLE `tier_switches` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`stripe_subscription_id` text NOT NULL,
	`from_tier_id` text NOT NULL,
	`to_tier_id` text NOT NULL,
	`to_interval` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`amount_due` integer,
	`proration_date` integer,
	`effective_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tier_switches_open_idx` ON `tier_switches` (`user_id`,`creator_id`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `tier_switches_sub_idx` ON `tier_switches` (`stripe_subscription_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `memberships` ADD `seat_key` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `pending_tier_id` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `pending_interval` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `pending_amount` integer;--> statement-breakpoint
ALTER TABLE `memberships` ADD `pending_at` integer;--> statement-breakpoint
ALTER TABLE `memberships` ADD `pending_schedule_id` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `pending_switch_id` text;--> statement-breakpoint
CREATE INDEX `memberships_user_creator_idx` ON `memberships` (`user_id`,`creator_id`,`status`);