ALTER TABLE `commissions` ADD `paid_reversed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Commissions already in a payout are taken as settled as they stand (decision 0134).
UPDATE `commissions` SET `paid_reversed` = `reversed` WHERE `payout_id` IS NOT NULL;--> statement-breakpoint
CREATE TABLE `affiliate_click_days` (
	`affiliate_id` text NOT NULL,
	`day` integer NOT NULL,
	`visitor` text NOT NULL,
	PRIMARY KEY(`affiliate_id`, `day`, `visitor`),
	FOREIGN KEY (`affiliate_id`) REFERENCES `affiliates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `affiliates` ADD `unique_clicks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A new (link, day, visitor) row is one more unique click (decision 0135); ignored duplicates fire nothing.
CREATE TRIGGER `affiliate_click_days_count` AFTER INSERT ON `affiliate_click_days`
BEGIN
  UPDATE `affiliates` SET `unique_clicks` = `unique_clicks` + 1 WHERE `id` = NEW.`affiliate_id`;
END;
