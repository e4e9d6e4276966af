CREATE TABLE `feedback_digest_days` (
	`day` text PRIMARY KEY NOT NULL,
	`queued_at` integer NOT NULL,
	`makers` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `moderation_holds` (
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`prior` text DEFAULT '' NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`hidden_at` integer NOT NULL,
	`hidden_by` text NOT NULL,
	PRIMARY KEY(`target_type`, `target_id`)
);
--> statement-breakpoint
CREATE INDEX `moderation_holds_time_idx` ON `moderation_holds` (`hidden_at`);--> statement-breakpoint
ALTER TABLE `email_preferences` ADD `feedback_digest` integer DEFAULT true NOT NULL;