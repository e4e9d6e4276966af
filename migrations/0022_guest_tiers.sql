PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_guest_checkouts` (
	`session_id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`product_id` text,
	`tier_id` text,
	`hold_id` text,
	`creator_id` text NOT NULL,
	`buyer_id` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_guest_checkouts`("session_id", "token_hash", "product_id", "tier_id", "hold_id", "creator_id", "buyer_id", "status", "created_at") SELECT "session_id", "token_hash", "product_id", NULL, NULL, "creator_id", "buyer_id", "status", "created_at" FROM `guest_checkouts`;--> statement-breakpoint
DROP TABLE `guest_checkouts`;--> statement-breakpoint
ALTER TABLE `__new_guest_checkouts` RENAME TO `guest_checkouts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `guest_checkouts_buyer_idx` ON `guest_checkouts` (`buyer_id`);