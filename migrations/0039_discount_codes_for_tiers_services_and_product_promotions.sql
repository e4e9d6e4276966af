ALTER TABLE `discount_code_products` ADD `kind` text DEFAULT 'product' NOT NULL;--> statement-breakpoint
ALTER TABLE `discount_codes` ADD `duration` text DEFAULT 'once' NOT NULL;--> statement-breakpoint
ALTER TABLE `discount_codes` ADD `duration_months` integer;--> statement-breakpoint
ALTER TABLE `discount_redemptions` ADD `kind` text DEFAULT 'product' NOT NULL;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_promotions` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`app_id` text,
	`product_id` text,
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
INSERT INTO `__new_promotions`("id", "creator_id", "app_id", "product_id", "placement", "start_day", "days", "day_amount", "amount", "currency", "status", "checkout_session_id", "payment_intent_id", "reject_reason", "refunded_amount", "impressions", "clicks", "reviewed_by", "reviewed_at", "created_at") SELECT "id", "creator_id", "app_id", NULL, "placement", "start_day", "days", "day_amount", "amount", "currency", "status", "checkout_session_id", "payment_intent_id", "reject_reason", "refunded_amount", "impressions", "clicks", "reviewed_by", "reviewed_at", "created_at" FROM `promotions`;--> statement-breakpoint
DROP TABLE `promotions`;--> statement-breakpoint
ALTER TABLE `__new_promotions` RENAME TO `promotions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `promotions_checkout_session_id_unique` ON `promotions` (`checkout_session_id`);--> statement-breakpoint
CREATE INDEX `promotions_live_idx` ON `promotions` (`placement`,`status`,`start_day`);--> statement-breakpoint
CREATE INDEX `promotions_creator_idx` ON `promotions` (`creator_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `promotions_status_idx` ON `promotions` (`status`,`created_at`);