-- Notifications of the subsidy event go with it.
DELETE FROM notifications WHERE event = 'subsidy';
ALTER TABLE notifications DROP CONSTRAINT notifications_event_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_check
    CHECK (event IN ('notice', 'appeal', 'repair', 'exit'));
DROP TABLE subsidy_payments;
DROP TABLE subsidy_budgets;
DROP TABLE subsidy_documents;
DROP TABLE subsidy_applications;
DROP TABLE subsidy_entitlement_changes;
DROP TABLE subsidy_entitlements;
ALTER TABLE communities DROP COLUMN base_condition;
