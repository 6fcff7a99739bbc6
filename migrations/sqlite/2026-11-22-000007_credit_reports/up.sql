-- Credit reports (信用报告) a company prints: one per company and published
-- run, with a number and a verification code anyone can check at /verify.
CREATE TABLE credit_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_no TEXT NOT NULL UNIQUE,
    verify_code TEXT NOT NULL UNIQUE,
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    run_id BIGINT NOT NULL REFERENCES rating_runs (id),
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT NOT NULL,
    UNIQUE (company_code, run_id)
);
