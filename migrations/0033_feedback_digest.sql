CREATE TABLE `feedback_digest_days` (
	`day` text PRIMARY KEY NOT NULL,
	`queued_at` integer NOT NULL,
	`makers` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `email_preferences` ADD `feedback_digest` integer DEFAULT true NOT NULL;