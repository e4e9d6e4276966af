CREATE TABLE `affiliate_attributions` (
	`user_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`clicked_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `creator_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `affiliate_program_items` (
	`creator_id` text NOT NULL,
	`kind` text NOT NULL,
	`item_id` text NOT NULL,
	PRIMARY KEY(`kind`, `item_id`),
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `affiliate_program_items_creator_idx` ON `affiliate_program_items` (`creator_id`);--> statement-breakpoint
CREATE TABLE `affiliate_programs` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`commission_percent` integer NOT NULL,
	`cookie_days` integer DEFAULT 30 NOT NULL,
	`recurring_months` integer DEFAULT 0 NOT NULL,
	`hold_days` integer DEFAULT 30 NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `affiliates` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`user_id` text NOT NULL,
	`code` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_code_unique` ON `affiliates` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_creator_user_idx` ON `affiliates` (`creator_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `affiliates_user_idx` ON `affiliates` (`user_id`);--> statement-breakpoint
CREATE TABLE `commission_payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`beneficiary_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount` integer NOT NULL,
	`stripe_account_id` text NOT NULL,
	`stripe_transfer_id` text,
	`status` text NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`beneficiary_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `commission_payouts_beneficiary_idx` ON `commission_payouts` (`beneficiary_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `commissions` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`beneficiary_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`affiliate_id` text,
	`source_type` text NOT NULL,
	`source_id` text NOT NULL,
	`payment_intent_id` text,
	`currency` text NOT NULL,
	`gross` integer NOT NULL,
	`base` integer NOT NULL,
	`percent` integer NOT NULL,
	`amount` integer NOT NULL,
	`reversed` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`available_at` integer NOT NULL,
	`payout_id` text,
	`recovered_reversal_id` text,
	`paid_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`beneficiary_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `commissions_source_idx` ON `commissions` (`kind`,`source_type`,`source_id`);--> statement-breakpoint
CREATE INDEX `commissions_beneficiary_idx` ON `commissions` (`beneficiary_id`,`status`);--> statement-breakpoint
CREATE INDEX `commissions_creator_idx` ON `commissions` (`creator_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `commissions_pi_idx` ON `commissions` (`payment_intent_id`);--> statement-breakpoint
CREATE INDEX `commissions_due_idx` ON `commissions` (`available_at`) WHERE status IN ('pending','payable') AND payout_id IS NULL;--> statement-breakpoint
CREATE TABLE `platform_referrals` (
	`referred_id` text PRIMARY KEY NOT NULL,
	`referrer_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	FOREIGN KEY (`referred_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`referrer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `platform_referrals_referrer_idx` ON `platform_referrals` (`referrer_id`);--> statement-breakpoint
CREATE TABLE `referral_codes` (
	`user_id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_codes_code_unique` ON `referral_codes` (`code`);