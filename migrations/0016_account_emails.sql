CREATE TABLE `creator_email_optouts` (
	`user_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `creator_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tier_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tier_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`subject` text NOT NULL,
	`body_markdown` text NOT NULL,
	`recipients` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tier_messages_tier_idx` ON `tier_messages` (`tier_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `email_preferences` ADD `member_alerts` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `comp` integer DEFAULT false NOT NULL;