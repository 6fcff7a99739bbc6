-- Rating runs (scoring.md §8) and their result rows (§9). Scores and money are
-- stored as exact hundredths (0.01 point, 1 cent): once rounded, a number
-- never changes again.
CREATE TABLE rating_runs (
    id BIGSERIAL PRIMARY KEY,
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    rule_name TEXT NOT NULL,
    rule_version TEXT NOT NULL,
    rule_sha256 TEXT NOT NULL,
    rule_text TEXT NOT NULL,
    input_digest TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    duration_ms BIGINT NOT NULL,
    started_by TEXT NOT NULL,
    published_at TIMESTAMP,
    published_by TEXT,
    warnings TEXT NOT NULL
);
CREATE INDEX rating_runs_period ON rating_runs (period, status);
-- At most one published run per period, whatever races.
CREATE UNIQUE INDEX rating_runs_one_published ON rating_runs (period) WHERE status = 'published';

CREATE TABLE run_results (
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
