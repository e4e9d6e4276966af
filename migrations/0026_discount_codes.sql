CREATE TABLE `discount_code_products` (
	`code_id` text NOT NULL,
	`product_id` text NOT NULL,
	PRIMARY KEY(`code_id`, `product_id`),
	FOREIGN KEY (`code_id`) REFERENCES `discount_codes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `discount_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`code` text NOT NULL,
	`kind` text NOT NULL,
	`percent_off` integer,
	`amount_off` integer,
	`currency` text,
	`applies_to` text DEFAULT 'all' NOT NULL,
	`expires_at` integer,
	`max_redemptions` integer,
	`first_time_only` integer DEFAULT false NOT NULL,
	`stripe_coupon_id` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `discount_codes_creator_code_idx` ON `discount_codes` (`creator_id`,`code`);--> statement-breakpoint
CREATE TABLE `discount_redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`code_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`product_id` text NOT NULL,
	`session_id` text,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`amount_subtotal` integer NOT NULL,
	`amount_discount` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`code_id`) REFERENCES `discount_codes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `discount_redemptions_code_idx` ON `discount_redemptions` (`code_id`,`status`,`expires_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `discount_redemptions_session_idx` ON `discount_redemptions` (`session_id`) WHERE session_id IS NOT NULL;