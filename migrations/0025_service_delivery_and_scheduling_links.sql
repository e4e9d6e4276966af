ALTER TABLE `bookings` ADD `delivered_at` integer;--> statement-breakpoint
ALTER TABLE `bookings` ADD `delivery_url` text;--> statement-breakpoint
ALTER TABLE `services` ADD `scheduling_url` text;