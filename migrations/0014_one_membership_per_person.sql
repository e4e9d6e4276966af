ALTER TABLE `checkouts` ADD `url` text;--> statement-breakpoint
-- Older rows may hold several open checkouts of one product for one person: keep the newest open.
UPDATE `checkouts` SET `status` = 'expired' WHERE `kind` = 'product' AND `status` = 'open' AND EXISTS (SELECT 1 FROM `checkouts` AS `c2` WHERE `c2`.`kind` = 'product' AND `c2`.`status` = 'open' AND `c2`.`user_id` = `checkouts`.`user_id` AND `c2`.`product_id` = `checkouts`.`product_id` AND (`c2`.`created_at` > `checkouts`.`created_at` OR (`c2`.`created_at` = `checkouts`.`created_at` AND `c2`.`session_id` > `checkouts`.`session_id`)));--> statement-breakpoint
CREATE UNIQUE INDEX `checkouts_open_product_idx` ON `checkouts` (`user_id`,`product_id`) WHERE kind = 'product' AND status = 'open';--> statement-breakpoint
ALTER TABLE `memberships` ADD `end_reason` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `refund_reason` text;