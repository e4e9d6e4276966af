CREATE TABLE `guest_booking_requests` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`service_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`hold_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`minutes` integer NOT NULL,
	`answers` text DEFAULT '[]' NOT NULL,
	`buyer_time_zone` text,
	`booking_id` text,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `guest_booking_requests_service_idx` ON `guest_booking_requests` (`service_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `bookings` ADD `guest` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `bookings` ADD `guest_name` text;