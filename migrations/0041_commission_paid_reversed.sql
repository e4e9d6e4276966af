ALTER TABLE `commissions` ADD `paid_reversed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Commissions already in a payout are taken as settled as they stand (decision 0134).
UPDATE `commissions` SET `paid_reversed` = `reversed` WHERE `payout_id` IS NOT NULL;
