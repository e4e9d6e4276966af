-- License keys (decision 0097): granted by triggers when an order or membership row is inserted for
-- an offer with a license policy, so every path that records a sale grants exactly one key
-- (INSERT OR IGNORE on the unique order/membership id).
CREATE TRIGGER `license_keys_grant_order` AFTER INSERT ON `orders`
WHEN EXISTS (SELECT 1 FROM `license_policies` WHERE `offer_id` = NEW.`product_id`)
BEGIN
  INSERT OR IGNORE INTO `license_keys` (`id`, `key`, `creator_id`, `user_id`, `product_id`, `tier_id`, `order_id`, `membership_id`, `activation_limit`, `revoked_at`, `created_at`)
  SELECT lower(hex(randomblob(10))), 'ATK-' || upper(hex(randomblob(12))), NEW.`creator_id`, NEW.`buyer_id`, NEW.`product_id`, NULL, NEW.`id`, NULL, `activation_limit`, NULL, unixepoch()
  FROM `license_policies` WHERE `offer_id` = NEW.`product_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `license_keys_grant_membership` AFTER INSERT ON `memberships`
WHEN EXISTS (SELECT 1 FROM `license_policies` WHERE `offer_id` = NEW.`tier_id`)
BEGIN
  INSERT OR IGNORE INTO `license_keys` (`id`, `key`, `creator_id`, `user_id`, `product_id`, `tier_id`, `order_id`, `membership_id`, `activation_limit`, `revoked_at`, `created_at`)
  SELECT lower(hex(randomblob(10))), 'ATK-' || upper(hex(randomblob(12))), NEW.`creator_id`, NEW.`user_id`, NULL, NEW.`tier_id`, NULL, NEW.`id`, `activation_limit`, NULL, unixepoch()
  FROM `license_policies` WHERE `offer_id` = NEW.`tier_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_orders_insert` AFTER INSERT ON `orders`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_orders_update` AFTER UPDATE ON `orders`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_memberships_insert` AFTER INSERT ON `memberships`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_memberships_update` AFTER UPDATE ON `memberships`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_keys_insert` AFTER INSERT ON `license_keys`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_keys_update` AFTER UPDATE ON `license_keys`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_policies_insert` AFTER INSERT ON `license_policies`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_policies_update` AFTER UPDATE ON `license_policies`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (NEW.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_policies_delete` AFTER DELETE ON `license_policies`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES (OLD.`creator_id`, 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_activations_insert` AFTER INSERT ON `license_activations`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES ((SELECT `creator_id` FROM `license_keys` WHERE `id` = NEW.`license_id`), 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `entitlement_version_license_activations_delete` AFTER DELETE ON `license_activations`
BEGIN
  INSERT INTO `entitlement_versions` (`creator_id`, `version`) VALUES ((SELECT `creator_id` FROM `license_keys` WHERE `id` = OLD.`license_id`), 1) ON CONFLICT(`creator_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
-- A buyer's email changed: answers cached under the old address must go.
CREATE TRIGGER `entitlement_version_users_email` AFTER UPDATE OF `email` ON `users`
BEGIN
  UPDATE `entitlement_versions` SET `version` = `version` + 1 WHERE `creator_id` IN (
    SELECT `creator_id` FROM `orders` WHERE `buyer_id` = NEW.`id`
    UNION SELECT `creator_id` FROM `memberships` WHERE `user_id` = NEW.`id`
  );
END;
