-- Notifications of the subsidy event go with it.
DELETE FROM notifications WHERE event = 'subsidy';
DROP TABLE subsidy_payments;
DROP TABLE subsidy_budgets;
DROP TABLE subsidy_documents;
DROP TABLE subsidy_applications;
DROP TABLE subsidy_entitlement_changes;
DROP TABLE subsidy_entitlements;
ALTER TABLE communities DROP COLUMN base_condition;
