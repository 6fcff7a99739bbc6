-- Credit reports (信用报告) a company prints: one per company and published
-- run, with a verification code anyone can check at /verify. The report
-- number is made from the row id and the run's quarter.
CREATE TABLE credit_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    verify_code TEXT NOT NULL UNIQUE,
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    run_id BIGINT NOT NULL REFERENCES rating_runs (id),
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT NOT NULL,
    UNIQUE (company_code, run_id)
);
