-- Survey responses counted per quarter, community and overall score. The
-- importer keeps these counts in the same transaction as the responses
-- (+1 for a new response, -1/+1 when a re-import changes one), so a rating
-- reads about half a million counts instead of millions of responses.
-- `propcredit verify` recounts them from survey_responses. A count that
-- falls to zero is deleted in the same transaction; one that would fall
-- below zero fails the import (no CHECK here: both databases check the row
-- an upsert proposes, a negative change, before it meets the stored count).
CREATE TABLE survey_tallies (
    period TEXT NOT NULL,
    community_code TEXT NOT NULL,
    overall INTEGER NOT NULL,
    responses BIGINT NOT NULL,
    PRIMARY KEY (period, community_code, overall)
);

INSERT INTO survey_tallies (period, community_code, overall, responses)
SELECT to_char(surveyed_on, 'YYYY') || 'Q' || extract(quarter FROM surveyed_on)::int,
       community_code, overall, COUNT(*)
FROM survey_responses
GROUP BY 1, 2, 3;

-- The rating no longer reads responses by day: one random-order B-tree
-- fewer for every imported response.
DROP INDEX survey_responses_day;
