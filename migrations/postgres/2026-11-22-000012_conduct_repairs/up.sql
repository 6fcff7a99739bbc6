-- Credit repair (信用修复): the day from which an approved repair takes effect.
-- The record is kept (never deleted) and stops counting at every quarter end
-- on or after that day; earlier quarters keep it until they are re-rated.
ALTER TABLE conduct_records ADD COLUMN repaired_from DATE;
