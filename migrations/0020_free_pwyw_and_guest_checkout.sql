CREATE TABLE `guest_checkouts` (
	`session_id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`product_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`buyer_id` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `guest_checkouts_buyer_idx` ON `guest_checkouts` (`buyer_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `guest_at` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `guest` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `products` ADD `pricing` text DEFAULT 'fixed' NOT NULL;--> statement-breakpoint
ALTER TABLE `products` ADD `minimum_amount` integer;