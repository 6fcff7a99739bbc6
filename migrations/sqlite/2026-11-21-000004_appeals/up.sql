-- Appeals (异议申诉): a company objects to one of its own records. An upheld
-- appeal revokes the record (kept and marked, never deleted).
CREATE TABLE appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('complaint', 'inspection', 'conduct')),
    record_id TEXT NOT NULL,
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    reason TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'upheld', 'rejected')),
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_reason TEXT,
    rerun_runs TEXT,
    UNIQUE (record_kind, record_id)
);
CREATE INDEX appeals_company ON appeals (company_code, status);
