-- Membership MRR history (decision 0092): every write to `memberships` that changes a paid
-- membership's normalised monthly amount (annual / 12, rounded half up; 0 when it is not live) appends
-- one row, stamped with the row's updated_at. Triggers, so every code path that writes memberships
-- (webhooks, switches, comps, deletions) is covered without each of them knowing about analytics.
CREATE TRIGGER `memberships_mrr_ai` AFTER INSERT ON `memberships` BEGIN
  INSERT INTO `membership_mrr_log` (`membership_id`, `creator_id`, `tier_id`, `at`, `mrr`, `currency`)
    SELECT new.id, new.creator_id, new.tier_id, new.updated_at, (CASE WHEN new.stripe_subscription_id IS NOT NULL AND new.comp = 0 AND new.status IN ('active', 'trialing', 'past_due') THEN (CASE WHEN new.interval = 'year' THEN (new.amount + 6) / 12 ELSE new.amount END) ELSE 0 END), new.currency
    WHERE (CASE WHEN new.stripe_subscription_id IS NOT NULL AND new.comp = 0 AND new.status IN ('active', 'trialing', 'past_due') THEN (CASE WHEN new.interval = 'year' THEN (new.amount + 6) / 12 ELSE new.amount END) ELSE 0 END) <> COALESCE((SELECT `mrr` FROM `membership_mrr_log` WHERE `membership_id` = new.id ORDER BY `seq` DESC LIMIT 1), 0);
END;
--> statement-breakpoint
CREATE TRIGGER `memberships_mrr_au` AFTER UPDATE OF `status`, `amount`, `interval`, `comp`, `stripe_subscription_id`, `tier_id` ON `memberships` BEGIN
  INSERT INTO `membership_mrr_log` (`membership_id`, `creator_id`, `tier_id`, `at`, `mrr`, `currency`)
    SELECT new.id, new.creator_id, new.tier_id, new.updated_at, (CASE WHEN new.stripe_subscription_id IS NOT NULL AND new.comp = 0 AND new.status IN ('active', 'trialing', 'past_due') THEN (CASE WHEN new.interval = 'year' THEN (new.amount + 6) / 12 ELSE new.amount END) ELSE 0 END), new.currency
    WHERE (CASE WHEN new.stripe_subscription_id IS NOT NULL AND new.comp = 0 AND new.status IN ('active', 'trialing', 'past_due') THEN (CASE WHEN new.interval = 'year' THEN (new.amount + 6) / 12 ELSE new.amount END) ELSE 0 END) <> COALESCE((SELECT `mrr` FROM `membership_mrr_log` WHERE `membership_id` = new.id ORDER BY `seq` DESC LIMIT 1), 0);
END;
--> statement-breakpoint
-- Memberships that exist already start their history at their creation.
INSERT INTO `membership_mrr_log` (`membership_id`, `creator_id`, `tier_id`, `at`, `mrr`, `currency`)
  SELECT m.id, m.creator_id, m.tier_id, m.created_at, (CASE WHEN m.stripe_subscription_id IS NOT NULL AND m.comp = 0 AND m.status IN ('active', 'trialing', 'past_due') THEN (CASE WHEN m.interval = 'year' THEN (m.amount + 6) / 12 ELSE m.amount END) ELSE 0 END), m.currency FROM `memberships` m WHERE (CASE WHEN m.stripe_subscription_id IS NOT NULL AND m.comp = 0 AND m.status IN ('active', 'trialing', 'past_due') THEN (CASE WHEN m.interval = 'year' THEN (m.amount + 6) / 12 ELSE m.amount END) ELSE 0 END) > 0;
