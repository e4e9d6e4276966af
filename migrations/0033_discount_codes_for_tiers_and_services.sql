ALTER TABLE `discount_code_products` ADD `kind` text DEFAULT 'product' NOT NULL;--> statement-breakpoint
ALTER TABLE `discount_codes` ADD `duration` text DEFAULT 'once' NOT NULL;--> statement-breakpoint
ALTER TABLE `discount_codes` ADD `duration_months` integer;--> statement-breakpoint
ALTER TABLE `discount_redemptions` ADD `kind` text DEFAULT 'product' NOT NULL;