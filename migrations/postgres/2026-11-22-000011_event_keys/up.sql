-- Nothing changes on PostgreSQL: a primary-key constraint can be dropped and
-- added again, which is what a first import into an empty table does
-- (src/storage/indexes.rs). SQLite moves survey_responses' and complaints'
-- keys into named unique indexes in this migration; the versions stay in step.
SELECT 1;
