-- Survey responses and complaints keep their keys in named unique indexes
-- instead of SQLite's implicit primary-key index, which cannot be dropped:
-- a first import into the empty table drops the index and builds it again
-- once the rows are written (src/storage/indexes.rs), sorting the keys once
-- instead of inserting each into the index in the file's arbitrary order
-- (a province's 8.9 million responses: 41 s of inserts -> 20 s). The keys
-- are as unique as before. SQLite cannot drop a primary key in place: each
-- table is copied once, in stored order.
CREATE TABLE survey_responses_new (
    response_id TEXT NOT NULL,
    community_code TEXT NOT NULL,
    surveyed_on DATE NOT NULL,
    respondent TEXT NOT NULL,
    overall INTEGER NOT NULL CHECK (overall BETWEEN 1 AND 5),
    batch_id BIGINT NOT NULL
);
INSERT INTO survey_responses_new (response_id, community_code, surveyed_on, respondent, overall, batch_id)
SELECT response_id, community_code, surveyed_on, respondent, overall, batch_id
FROM survey_responses ORDER BY rowid;
DROP TABLE survey_responses;
ALTER TABLE survey_responses_new RENAME TO survey_responses;
CREATE UNIQUE INDEX survey_responses_key ON survey_responses (response_id);

CREATE TABLE complaints_new (
    complaint_id TEXT NOT NULL,
    community_code TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    category TEXT NOT NULL,
    substantiated BOOLEAN NOT NULL,
    resolved_at TIMESTAMP,
    batch_id BIGINT NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (resolved_at IS NULL OR resolved_at >= received_at)
);
INSERT INTO complaints_new (complaint_id, community_code, received_at, category, substantiated, resolved_at, batch_id, revoked_at)
SELECT complaint_id, community_code, received_at, category, substantiated, resolved_at, batch_id, revoked_at
FROM complaints ORDER BY rowid;
DROP TABLE complaints;
ALTER TABLE complaints_new RENAME TO complaints;
CREATE UNIQUE INDEX complaints_key ON complaints (complaint_id);
CREATE INDEX complaints_received ON complaints
    (received_at, complaint_id, community_code, substantiated, resolved_at, revoked_at);
