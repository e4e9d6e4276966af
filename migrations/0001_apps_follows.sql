CREATE TABLE `app_categories` (
	`slug` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort_order` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `app_screenshots` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`key` text NOT NULL,
	`position` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `app_screenshots_app_idx` ON `app_screenshots` (`app_id`,`position`);--> statement-breakpoint
CREATE TABLE `app_visits` (
	`app_id` text NOT NULL,
	`day` integer NOT NULL,
	`visitor` text NOT NULL,
	`kind` text NOT NULL,
	PRIMARY KEY(`app_id`, `day`, `kind`, `visitor`),
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `apps` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`tagline` text DEFAULT '' NOT NULL,
	`description_markdown` text DEFAULT '' NOT NULL,
	`app_url` text NOT NULL,
	`demo_video_url` text,
	`logo_key` text,
	`category_slug` text NOT NULL,
	`tech_stack` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'live' NOT NULL,
	`featured` integer DEFAULT false NOT NULL,
	`published` integer DEFAULT true NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`trending_score` real DEFAULT 0 NOT NULL,
	`view_count` integer DEFAULT 0 NOT NULL,
	`try_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`published_at` integer,
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`category_slug`) REFERENCES `app_categories`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `apps_slug_unique` ON `apps` (`slug`);--> statement-breakpoint
CREATE INDEX `apps_creator_idx` ON `apps` (`creator_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `apps_discover_new_idx` ON `apps` (`published`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `apps_discover_trending_idx` ON `apps` (`published`,`trending_score`,`id`);--> statement-breakpoint
CREATE INDEX `apps_category_idx` ON `apps` (`category_slug`,`published`,`trending_score`);--> statement-breakpoint
CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `creator_stats` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`follower_count` integer DEFAULT 0 NOT NULL,
	`follow_seq` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `follows` (
	`follower_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`creator_id`, `follower_id`),
	FOREIGN KEY (`follower_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`creator_id`) REFERENCES `creators`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `follows_follower_idx` ON `follows` (`follower_id`,`created_at`);