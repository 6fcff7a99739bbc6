ALTER TABLE rating_runs DROP COLUMN chain_of;
