-- Back to JSON text, which the compact rows cannot be: refuse while any
-- run stored after the upgrade remains (the CHECK fails on a count > 0).
CREATE TEMP TABLE compact_explanations_remaining (n INTEGER CHECK (n = 0));
INSERT INTO compact_explanations_remaining
    SELECT count(*) FROM run_results WHERE substr(explanation, 1, 1) <> X'7B';
DROP TABLE compact_explanations_remaining;
CREATE TABLE run_results_new (
    run_id BIGINT NOT NULL REFERENCES rating_runs (id),
    company_code TEXT NOT NULL,
    company_name TEXT NOT NULL,
    district TEXT NOT NULL,
    communities INTEGER NOT NULL,
    households BIGINT NOT NULL,
    satisfaction BIGINT,
    complaint_rate BIGINT,
    timely_resolution BIGINT,
    fee_collection BIGINT,
    inspection BIGINT,
    base BIGINT NOT NULL,
    bonus BIGINT NOT NULL,
    penalty BIGINT NOT NULL,
    total BIGINT NOT NULL,
    grade TEXT NOT NULL,
    list TEXT NOT NULL CHECK (list IN ('red', 'black', 'none')),
    rank INTEGER NOT NULL,
    district_rank INTEGER NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('exit', 'warning', 'priority', 'none')),
    credit_score BIGINT NOT NULL,
    credit_level TEXT NOT NULL,
    subsidy_cents BIGINT NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (run_id, company_code)
);
INSERT INTO run_results_new (run_id, company_code, company_name, district, communities, households, satisfaction, complaint_rate, timely_resolution, fee_collection, inspection, base, bonus, penalty, total, grade, list, rank, district_rank, decision, credit_score, credit_level, subsidy_cents, explanation)
    SELECT run_id, company_code, company_name, district, communities, households, satisfaction, complaint_rate, timely_resolution, fee_collection, inspection, base, bonus, penalty, total, grade, list, rank, district_rank, decision, credit_score, credit_level, subsidy_cents, CAST(explanation AS TEXT) FROM run_results;
DROP TABLE run_results;
ALTER TABLE run_results_new RENAME TO run_results;
CREATE INDEX run_results_company ON run_results (company_code);
