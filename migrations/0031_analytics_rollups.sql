CREATE TABLE `analytics_applied` (
	`id` text PRIMARY KEY NOT NULL,
	`applied_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `analytics_applied_at_idx` ON `analytics_applied` (`applied_at`);--> statement-breakpoint
CREATE TABLE `analytics_daily` (
	`creator_id` text NOT NULL,
	`day` text NOT NULL,
	`item_kind` text NOT NULL,
	`item_id` text DEFAULT '' NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`uniques` integer DEFAULT 0 NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`follows` integer DEFAULT 0 NOT NULL,
	`unfollows` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`creator_id`, `day`, `item_kind`, `item_id`),
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `analytics_settings` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`time_zone` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `analytics_sources` (
	`creator_id` text NOT NULL,
	`day` text NOT NULL,
	`dim` text NOT NULL,
	`value` text NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`creator_id`, `day`, `dim`, `value`),
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `analytics_user_months` (
	`month` text NOT NULL,
	`user_id` text NOT NULL,
	`days` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`month`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `analytics_visitors` (
	`creator_id` text NOT NULL,
	`day` text NOT NULL,
	`scope` text NOT NULL,
	`visitor` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`creator_id`, `day`, `scope`, `visitor`)
);
--> statement-breakpoint
CREATE INDEX `analytics_visitors_seen_idx` ON `analytics_visitors` (`seen_at`);--> statement-breakpoint
CREATE TABLE `membership_mrr_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`membership_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`tier_id` text NOT NULL,
	`at` integer NOT NULL,
	`mrr` integer NOT NULL,
	`currency` text
);
--> statement-breakpoint
CREATE INDEX `membership_mrr_log_creator_idx` ON `membership_mrr_log` (`creator_id`,`at`);--> statement-breakpoint
CREATE INDEX `membership_mrr_log_membership_idx` ON `membership_mrr_log` (`membership_id`,`seq`);