CREATE TABLE `comment_threads` (
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`target_type`, `target_id`)
);
