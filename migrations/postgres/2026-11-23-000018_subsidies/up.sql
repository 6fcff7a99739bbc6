-- Reward subsidies (奖补) from the computed amount to the money paid.
--
-- A community's base condition (基础条件: good 好 / fair 一般 / poor 差),
-- which tiered schemes such as Jiang'an's pay by; absent when not given.
ALTER TABLE communities ADD COLUMN base_condition TEXT
    CHECK (base_condition IN ('good', 'fair', 'poor'));

-- What publishing a quarter entitles a company to per programme (应补金额),
-- with the communities and households behind it (detail: JSON). One row per
-- quarter, company and programme; a later publication that changes the
-- amount updates it and adds a change row. The apply window runs from
-- opened_at (the publication that first made the amount positive).
CREATE TABLE subsidy_entitlements (
    id BIGSERIAL PRIMARY KEY,
    period TEXT NOT NULL,
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    programme TEXT NOT NULL,
    run_id BIGINT NOT NULL REFERENCES rating_runs (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    communities INTEGER NOT NULL,
    households BIGINT NOT NULL,
    detail TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    UNIQUE (period, company_code, programme)
);
CREATE INDEX subsidy_entitlements_company ON subsidy_entitlements (company_code, period);

-- Every amount an entitlement has had: the first (before_cents NULL) and
-- each change by a later publication, with who caused it.
CREATE TABLE subsidy_entitlement_changes (
    id BIGSERIAL PRIMARY KEY,
    entitlement_id BIGINT NOT NULL REFERENCES subsidy_entitlements (id),
    run_id BIGINT NOT NULL REFERENCES rating_runs (id),
    before_cents BIGINT,
    after_cents BIGINT NOT NULL,
    actor TEXT NOT NULL,
    cause TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX subsidy_entitlement_changes_of ON subsidy_entitlement_changes (entitlement_id, id);

-- A company's application (申报) for one entitlement: submitted, reviewed by
-- a district official (初审), approved by a city official (复核, another
-- person) against a budget line, or returned (rejected) with a reason, after
-- which the company may submit again. Kept; every step is in the audit log.
CREATE TABLE subsidy_applications (
    id BIGSERIAL PRIMARY KEY,
    entitlement_id BIGINT NOT NULL UNIQUE REFERENCES subsidy_entitlements (id),
    company_code TEXT NOT NULL REFERENCES companies (company_code),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'reviewed', 'approved', 'rejected')),
    statement TEXT NOT NULL,
    requested_cents BIGINT NOT NULL CHECK (requested_cents >= 0),
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    review_reason TEXT,
    reviewed_cents BIGINT CHECK (reviewed_cents >= 0),
    approved_by TEXT,
    approved_at TIMESTAMP,
    approve_reason TEXT,
    approved_cents BIGINT CHECK (approved_cents >= 0),
    difference_reason TEXT,
    budget_year INTEGER,
    fund_source TEXT,
    returned_by TEXT,
    returned_at TIMESTAMP,
    return_reason TEXT,
    CHECK ((status = 'approved') = (approved_cents IS NOT NULL)),
    CHECK (approved_by IS NULL OR approved_by <> reviewed_by)
);
CREATE INDEX subsidy_applications_company ON subsidy_applications (company_code, status);
CREATE INDEX subsidy_applications_status ON subsidy_applications (status, submitted_at);

-- The documents an application carries (the takeover contract, …): PDF,
-- PNG or JPEG, checked by content and size.
CREATE TABLE subsidy_documents (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES subsidy_applications (id),
    document TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX subsidy_documents_application ON subsidy_documents (application_id);

-- The budget (预算) of each programme, year and fund source (资金来源).
CREATE TABLE subsidy_budgets (
    programme TEXT NOT NULL,
    year INTEGER NOT NULL,
    fund_source TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (programme, year, fund_source)
);

-- Payments (拨付) against an approved application, from its budget line,
-- possibly in instalments. A mistaken payment is reversed (kept, with who,
-- when and why), never deleted; a voucher number (凭证号) is used once.
CREATE TABLE subsidy_payments (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES subsidy_applications (id),
    programme TEXT NOT NULL,
    budget_year INTEGER NOT NULL,
    fund_source TEXT NOT NULL,
    paid_on DATE NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    voucher TEXT NOT NULL UNIQUE,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    reversed_by TEXT,
    reversed_at TIMESTAMP,
    reverse_reason TEXT
);
CREATE INDEX subsidy_payments_application ON subsidy_payments (application_id, id);
CREATE INDEX subsidy_payments_line ON subsidy_payments (programme, budget_year, fund_source);

-- Companies are told when their application is reviewed, approved,
-- returned or paid.
ALTER TABLE notifications DROP CONSTRAINT notifications_event_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_check
    CHECK (event IN ('notice', 'appeal', 'repair', 'exit', 'subsidy'));
