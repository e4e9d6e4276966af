ALTER TABLE `service_availability` ADD `change_window_hours` integer DEFAULT 24 NOT NULL;--> statement-breakpoint
ALTER TABLE `bookings` ADD `amount_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `bookings` ADD `fee_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `bookings` ADD `transfer_reversed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `bookings` ADD `refunded_at` integer;--> statement-breakpoint
ALTER TABLE `bookings` ADD `delivery_note` text;--> statement-breakpoint
ALTER TABLE `service_packs` ADD `amount_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `service_packs` ADD `fee_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `service_packs` ADD `transfer_reversed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `service_packs` ADD `refunded_at` integer;