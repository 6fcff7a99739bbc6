DROP TABLE run_notices;
DROP INDEX rating_runs_one_in_notice;
ALTER TABLE rating_runs DROP COLUMN replaces;
ALTER TABLE rating_runs DROP COLUMN notice_until;
ALTER TABLE rating_runs DROP COLUMN notice_from;
