ALTER TABLE `disputes` ADD `status` text DEFAULT 'needs_response' NOT NULL;--> statement-breakpoint
ALTER TABLE `disputes` ADD `closed_at` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `payment_intent_id` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `amount_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoices` ADD `refunded_at` integer;--> statement-breakpoint
CREATE INDEX `invoices_pi_idx` ON `invoices` (`payment_intent_id`);--> statement-breakpoint
CREATE INDEX `invoices_user_idx` ON `invoices` (`user_id`,`paid_at`);--> statement-breakpoint
ALTER TABLE `orders` ADD `amount_refunded` integer DEFAULT 0 NOT NULL;