-- Companies' contact addresses: notifications go to every active user of
-- the company that has one.
ALTER TABLE users ADD COLUMN email TEXT;

-- The outbox: each notification is written in the same transaction as the
-- event it tells of (a result in notice, an appeal or a repair decided, an
-- exit decision published), so none is lost and none is told of an event
-- that rolled back. A deliverer sends it by email, retrying with back-off; a
-- claim (next_attempt_at moved ahead, attempts counted) lets one replica
-- send it at a time.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    event TEXT NOT NULL CHECK (event IN ('notice', 'appeal', 'repair', 'exit')),
    company_code TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    sent_to TEXT,
    gave_up_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX notifications_due ON notifications (next_attempt_at)
    WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX notifications_company ON notifications (company_code, id);
