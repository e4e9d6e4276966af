CREATE TABLE `creator_nps` (
	`creator_id` text NOT NULL,
	`quarter` text NOT NULL,
	`score` integer,
	`comment` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`creator_id`, `quarter`),
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `creator_nps_quarter_idx` ON `creator_nps` (`quarter`);