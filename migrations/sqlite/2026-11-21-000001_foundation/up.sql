-- Foundation tables: the eight kinds of data.md, import batches and the audit log.
CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_added BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    actor TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);

CREATE TABLE companies (
    company_code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    district TEXT NOT NULL,
    registered_on DATE NOT NULL,
    batch_id BIGINT NOT NULL
);

CREATE TABLE communities (
    community_code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    district TEXT NOT NULL,
    community_type TEXT NOT NULL CHECK (community_type IN ('commercial', 'resettlement', 'quasi', 'open')),
    old_community BOOLEAN NOT NULL,
    households INTEGER NOT NULL CHECK (households >= 1),
    floor_area_m2 DOUBLE,
    batch_id BIGINT NOT NULL
);

CREATE TABLE contracts (
    community_code TEXT NOT NULL REFERENCES communities (community_code),
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    start_date DATE NOT NULL,
    end_date DATE,
    batch_id BIGINT NOT NULL,
    PRIMARY KEY (community_code, company_code, start_date),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX contracts_company ON contracts (company_code);

-- Survey responses and complaints arrive by the million. Their community_code
-- is checked by the importer inside the same transaction (and nothing deletes a
-- community), so they carry no foreign key: PostgreSQL's per-row foreign-key
-- triggers would triple the import time. batch_id (provenance) is likewise
-- unconstrained on every table.
CREATE TABLE survey_responses (
    response_id TEXT PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL,
    surveyed_on DATE NOT NULL,
    respondent TEXT NOT NULL,
    overall INTEGER NOT NULL CHECK (overall BETWEEN 1 AND 5),
    batch_id BIGINT NOT NULL
);
-- Covering: a quarter's counts per (community, overall) come from the index alone.
CREATE INDEX survey_responses_day ON survey_responses (surveyed_on, community_code, overall);

-- revoked_at: set when an upheld appeal revokes the record; it then takes no part in scoring.
CREATE TABLE complaints (
    complaint_id TEXT PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    category TEXT NOT NULL,
    substantiated BOOLEAN NOT NULL,
    resolved_at TIMESTAMP,
    batch_id BIGINT NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (resolved_at IS NULL OR resolved_at >= received_at)
);
-- The rating reads a quarter in this order (received_at, then id): no sort needed.
CREATE INDEX complaints_received ON complaints (received_at, complaint_id);

-- Money in integer cents: never a float.
CREATE TABLE fee_rows (
    community_code TEXT NOT NULL REFERENCES communities (community_code),
    period TEXT NOT NULL,
    billed_cents BIGINT NOT NULL CHECK (billed_cents >= 0),
    collected_cents BIGINT NOT NULL CHECK (collected_cents >= 0),
    batch_id BIGINT NOT NULL,
    PRIMARY KEY (community_code, period)
);
CREATE INDEX fee_rows_period ON fee_rows (period);

CREATE TABLE inspections (
    inspection_id TEXT PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL REFERENCES communities (community_code),
    inspected_on DATE NOT NULL,
    score DOUBLE NOT NULL CHECK (score >= 0 AND score <= 100),
    rectification_due DATE,
    rectified_on DATE,
    batch_id BIGINT NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX inspections_community ON inspections (community_code);

CREATE TABLE conduct_records (
    record_id TEXT PRIMARY KEY NOT NULL,
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    code TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    community_code TEXT REFERENCES communities (community_code),
    note TEXT,
    batch_id BIGINT NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX conduct_records_company ON conduct_records (company_code);

-- Append-only: the application never updates or deletes a row here.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action TEXT NOT NULL,
    old_values TEXT,
    new_values TEXT,
    batch_id BIGINT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_key);
