ALTER TABLE `commissions` ADD `settling_until` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `commissions` ADD `settle_again` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `commissions_settling_idx` ON `commissions` (`settling_until`) WHERE settling_until > 0;