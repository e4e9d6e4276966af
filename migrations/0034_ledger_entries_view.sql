-- Service payments made before refunds were mirrored onto bookings: the ones the app refunded itself
-- (slot taken, creator cancellation) were refunded in full with the fee and the transfer returned.
UPDATE `bookings` SET `amount_refunded` = `gross`, `fee_refunded` = `fee`, `transfer_reversed` = `net`, `refunded_at` = `updated_at`
  WHERE `payment_intent_id` IS NOT NULL AND `gross` > 0
    AND (`status` = 'refunded' OR (`status` = 'canceled' AND `refund_reason` = 'canceled_by_creator'));--> statement-breakpoint
UPDATE `service_packs` SET `amount_refunded` = `gross`, `fee_refunded` = `fee`, `transfer_reversed` = `net`, `refunded_at` = `created_at`
  WHERE `payment_intent_id` IS NOT NULL AND `gross` > 0 AND `status` = 'refunded';--> statement-breakpoint
-- The earnings ledger: every paid payment a creator received, one row each, whatever was sold.
-- Product orders and membership invoices as they are; paid bookings (sessions, hourly, fixed
-- packages) and bought session packs with the same gross / fee / net / refund columns.
CREATE VIEW `ledger_entries` AS
  SELECT 'product' AS `kind`, `id`, `creator_id`, `buyer_id`, `product_id` AS `item_id`, `currency`, `gross`, `fee`, `net`, `status`,
         `amount_refunded`, `fee_refunded`, `transfer_reversed`, `created_at` AS `at`, `refunded_at`, `payment_intent_id`
    FROM `orders`
  UNION ALL
  SELECT 'membership', `id`, `creator_id`, `user_id`, `tier_id`, `currency`, `gross`, `fee`, `net`, `status`,
         `amount_refunded`, `fee_refunded`, `transfer_reversed`, `paid_at`, `refunded_at`, `payment_intent_id`
    FROM `invoices`
  UNION ALL
  SELECT 'booking', `id`, `creator_id`, `buyer_id`, `service_id`, `currency`, `gross`, `fee`, `net`,
         CASE WHEN `amount_refunded` >= `gross` THEN 'refunded' ELSE 'paid' END,
         `amount_refunded`, `fee_refunded`, `transfer_reversed`, `created_at`, `refunded_at`, `payment_intent_id`
    FROM `bookings` WHERE `payment_intent_id` IS NOT NULL AND `gross` > 0
  UNION ALL
  SELECT 'pack', `id`, `creator_id`, `buyer_id`, `service_id`, `currency`, `gross`, `fee`, `net`,
         CASE WHEN `amount_refunded` >= `gross` THEN 'refunded' ELSE 'paid' END,
         `amount_refunded`, `fee_refunded`, `transfer_reversed`, `created_at`, `refunded_at`, `payment_intent_id`
    FROM `service_packs` WHERE `payment_intent_id` IS NOT NULL AND `gross` > 0;
