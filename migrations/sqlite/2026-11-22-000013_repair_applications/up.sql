-- Credit repair applications (信用修复申请): a company applies for repair of
-- one of its own bad conduct records once the rule file lets it, with a
-- public credit commitment (信用承诺) and evidence files; an admin approves
-- (the record is marked repaired from a confirmed day, never deleted) or
-- rejects, each with a reason. The query code lets the applicant follow it.
-- One pending application per record; a rejected one may be followed by another.
CREATE TABLE repair_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    query_code TEXT NOT NULL UNIQUE,
    record_id TEXT NOT NULL REFERENCES conduct_records (record_id),
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    commitment TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    review_due DATE NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_reason TEXT,
    repaired_from DATE,
    CHECK ((status = 'approved') = (repaired_from IS NOT NULL))
);
CREATE UNIQUE INDEX repair_applications_one_pending ON repair_applications (record_id)
    WHERE status = 'pending';
CREATE INDEX repair_applications_company ON repair_applications (company_code, status);

-- Evidence of the corrected conduct: PDF, PNG or JPEG, checked by content.
CREATE TABLE repair_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    application_id INTEGER NOT NULL REFERENCES repair_applications (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    content BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX repair_evidence_application ON repair_evidence (application_id);
