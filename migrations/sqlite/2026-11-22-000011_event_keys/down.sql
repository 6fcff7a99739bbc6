CREATE TABLE survey_responses_old (
    response_id TEXT PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL,
    surveyed_on DATE NOT NULL,
    respondent TEXT NOT NULL,
    overall INTEGER NOT NULL CHECK (overall BETWEEN 1 AND 5),
    batch_id BIGINT NOT NULL
);
INSERT INTO survey_responses_old SELECT response_id, community_code, surveyed_on, respondent, overall, batch_id
FROM survey_responses ORDER BY rowid;
DROP TABLE survey_responses;
ALTER TABLE survey_responses_old RENAME TO survey_responses;

CREATE TABLE complaints_old (
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
INSERT INTO complaints_old SELECT complaint_id, community_code, received_at, category, substantiated, resolved_at, batch_id, revoked_at
FROM complaints ORDER BY rowid;
DROP TABLE complaints;
ALTER TABLE complaints_old RENAME TO complaints;
CREATE INDEX complaints_received ON complaints
    (received_at, complaint_id, community_code, substantiated, resolved_at, revoked_at);
