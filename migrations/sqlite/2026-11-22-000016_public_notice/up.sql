-- The public notice (公示期): a draft announced to the companies and the
-- public before it takes effect. A draft with notice_from set is in notice
-- (or, superseded, was); notice_until is the last day of its notice, for the
-- company whose notice ends last. A re-rate during the notice replaces the
-- draft in notice (`replaces` names it) and restarts the notice only for the
-- companies whose result changed: each company's own notice is a row of
-- run_notices.
ALTER TABLE rating_runs ADD COLUMN notice_from DATE;
ALTER TABLE rating_runs ADD COLUMN notice_until DATE;
ALTER TABLE rating_runs ADD COLUMN replaces INTEGER;
-- At most one draft of a quarter is in notice, whatever races.
CREATE UNIQUE INDEX rating_runs_one_in_notice ON rating_runs (period)
    WHERE status = 'draft' AND notice_from IS NOT NULL;

CREATE TABLE run_notices (
    run_id INTEGER NOT NULL REFERENCES rating_runs (id),
    company_code TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    PRIMARY KEY (run_id, company_code)
);
