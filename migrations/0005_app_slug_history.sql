CREATE TABLE `app_slug_history` (
	`old_slug` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `app_slug_history_app_idx` ON `app_slug_history` (`app_id`);