CREATE TABLE `api_idempotency_keys` (
	`token_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`status` integer,
	`body` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`token_id`, `key`),
	FOREIGN KEY (`token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_idempotency_created_idx` ON `api_idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`scopes` text NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_user_idx` ON `api_tokens` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `entitlement_versions` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `license_activations` (
	`license_id` text NOT NULL,
	`instance` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`license_id`, `instance`),
	FOREIGN KEY (`license_id`) REFERENCES `license_keys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `license_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`creator_id` text NOT NULL,
	`user_id` text NOT NULL,
	`product_id` text,
	`tier_id` text,
	`order_id` text,
	`membership_id` text,
	`activation_limit` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `license_keys_key_unique` ON `license_keys` (`key`);--> statement-breakpoint
CREATE INDEX `license_keys_creator_user_idx` ON `license_keys` (`creator_id`,`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `license_keys_order_idx` ON `license_keys` (`order_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `license_keys_membership_idx` ON `license_keys` (`membership_id`);--> statement-breakpoint
CREATE TABLE `license_policies` (
	`offer_id` text PRIMARY KEY NOT NULL,
	`offer_type` text NOT NULL,
	`creator_id` text NOT NULL,
	`activation_limit` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
