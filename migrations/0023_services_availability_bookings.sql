CREATE TABLE `service_availability` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`time_zone` text NOT NULL,
	`weekly` text NOT NULL,
	`overrides` text DEFAULT '[]' NOT NULL,
	`min_notice_minutes` integer DEFAULT 240 NOT NULL,
	`horizon_days` integer DEFAULT 30 NOT NULL,
	`buffer_before_minutes` integer DEFAULT 0 NOT NULL,
	`buffer_after_minutes` integer DEFAULT 0 NOT NULL,
	`daily_max` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `bookings` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`start_at` integer,
	`end_at` integer,
	`due_at` integer,
	`hold_id` text,
	`status` text NOT NULL,
	`checkout_session_id` text,
	`payment_intent_id` text,
	`currency` text NOT NULL,
	`gross` integer DEFAULT 0 NOT NULL,
	`fee` integer DEFAULT 0 NOT NULL,
	`net` integer DEFAULT 0 NOT NULL,
	`pack_id` text,
	`minutes` integer,
	`answers` text DEFAULT '[]' NOT NULL,
	`buyer_time_zone` text,
	`refund_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`buyer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bookings_checkout_session_id_unique` ON `bookings` (`checkout_session_id`);--> statement-breakpoint
CREATE INDEX `bookings_buyer_idx` ON `bookings` (`buyer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `bookings_creator_idx` ON `bookings` (`creator_id`,`start_at`);--> statement-breakpoint
CREATE INDEX `bookings_pi_idx` ON `bookings` (`payment_intent_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `bookings_hold_idx` ON `bookings` (`hold_id`) WHERE hold_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `service_packs` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`sessions_total` integer NOT NULL,
	`sessions_used` integer DEFAULT 0 NOT NULL,
	`expires_at` integer NOT NULL,
	`status` text NOT NULL,
	`checkout_session_id` text,
	`payment_intent_id` text,
	`currency` text NOT NULL,
	`gross` integer DEFAULT 0 NOT NULL,
	`fee` integer DEFAULT 0 NOT NULL,
	`net` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`buyer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_packs_checkout_session_id_unique` ON `service_packs` (`checkout_session_id`);--> statement-breakpoint
CREATE INDEX `service_packs_buyer_idx` ON `service_packs` (`buyer_id`,`service_id`);--> statement-breakpoint
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`title` text NOT NULL,
	`slug` text NOT NULL,
	`description_markdown` text DEFAULT '' NOT NULL,
	`cover_key` text,
	`duration_minutes` integer NOT NULL,
	`location_kind` text NOT NULL,
	`location_detail` text,
	`pricing` text NOT NULL,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`max_hours` integer,
	`hour_step_minutes` integer,
	`delivery_days` integer,
	`pack_sessions` integer,
	`pack_expiry_days` integer,
	`intake` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `services_creator_slug` ON `services` (`creator_id`,`slug`);--> statement-breakpoint
CREATE INDEX `services_creator_status` ON `services` (`creator_id`,`status`);