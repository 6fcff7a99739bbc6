ALTER TABLE conduct_records DROP COLUMN repaired_from;
