CREATE TABLE `promotion_prices` (
	`placement_kind` text PRIMARY KEY NOT NULL,
	`day_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `promotions` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`app_id` text NOT NULL,
	`placement` text NOT NULL,
	`start_day` integer NOT NULL,
	`days` integer NOT NULL,
	`day_amount` integer NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`checkout_session_id` text,
	`payment_intent_id` text,
	`reject_reason` text,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`impressions` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promotions_checkout_session_id_unique` ON `promotions` (`checkout_session_id`);--> statement-breakpoint
CREATE INDEX `promotions_live_idx` ON `promotions` (`placement`,`status`,`start_day`);--> statement-breakpoint
CREATE INDEX `promotions_creator_idx` ON `promotions` (`creator_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `promotions_status_idx` ON `promotions` (`status`,`created_at`);