-- A cascade (an upheld appeal or an approved credit repair) re-rates the quarter
-- a record touched and the later published quarters that depended on it, as
-- one chain of drafts: each names the chain's first run, and publishing any of
-- them publishes all, in quarter order, or none.
ALTER TABLE rating_runs ADD COLUMN chain_of INTEGER;
