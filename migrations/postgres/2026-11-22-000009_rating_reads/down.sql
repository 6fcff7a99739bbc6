ALTER TABLE run_results ALTER COLUMN explanation SET STORAGE EXTENDED;
ALTER TABLE run_results ALTER COLUMN explanation SET COMPRESSION DEFAULT;
DROP INDEX complaints_received;
CREATE INDEX complaints_received ON complaints (received_at, complaint_id);
