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
CREATE INDEX `moderation_holds_time_idx` ON `moderation_holds` (`hidden_at`);