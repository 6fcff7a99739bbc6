-- Who may use the service. A company user is bound to one company_code and
-- sees only that company's details. Tokens are stored as SHA-256 digests of
-- 256-bit random secrets; passwords (for web sessions) as argon2 hashes.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'company')),
    company_code TEXT REFERENCES companies (company_code),
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((role = 'company') = (company_code IS NOT NULL))
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
